export const USAGE = `callmos: score speech quality (MOS 1..5) of audio files with callmos's own models

Usage:
  callmos score <file|dir>... [options]   score audio files; directories are scanned recursively for
                                          .wav .flac .ogg .opus .webm .mka .mp3; - reads a file from stdin
  callmos models                          list the shipped models
  callmos --help | --version

Score options:
  -m, --model <name|path>   shipped model name, a model directory, or a model.onnx with card.json beside it
                            (default: the package default model)
  -f, --format csv|json|ndjson   output format (default: csv)
      --timeline            per-window output: csv gets a row per window, ndjson a line per window
                            (as it is scored) before each file's line; json always has the windows
      --html <file>         also write a self-contained HTML report drawing MOS and dims over time
  -o, --output <file>       write results to <file> instead of stdout
  -t, --threads <n>         threads per inference (default: all cores)
      --provider auto|cpu|cuda   execution provider (default: auto = CUDA when usable, else CPU)
      --vad silero|energy   which windows hold speech: the energy gate and the Silero speech detector
                            (default; a hum, tone, noise or music is not speech), or the energy gate alone

Output:
  csv   file,mos,<the model's dims>,windows,duration_s  (one row per scored file)
  json  an array of the same fields plus each window's scores
  ndjson  one {"type":"file",...} line per file as it finishes; with --timeline also
        {"type":"window","file",...,"start","end","mos","dims"} lines as windows are scored
  Formats: WAV, FLAC, Ogg Opus, WebM/Matroska Opus, MP3, recognised by content. M4A/AAC is not
  decoded (convert it: ffmpeg -i in.m4a out.wav).
  Files that fail to decode are reported on stderr and left out; the exit code is then 1.
  A file with no speech (silence, noise, tones, music) gets an empty mos and windows 0.

Exit codes: 0 all scored, 1 some file or the model failed, 2 usage error.
`;
