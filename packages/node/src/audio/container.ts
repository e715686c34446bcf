/** Containers recognised by their first bytes: the extension may be wrong, and stdin has none. */
export type Container = 'wav' | 'flac' | 'ogg' | 'matroska' | 'mp3' | 'mp4' | 'adts';

export function sniffContainer(bytes: Uint8Array): Container | null {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic === 'fLaC') return 'flac';
  if (magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64') return 'wav';
  if (magic === 'OggS') return 'ogg';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'matroska';
  if (String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp') return 'mp4';
  if (magic.startsWith('ID3')) return 'mp3';
  // Frame sync: 11 set bits. Layer bits 00 are ADTS AAC (MPEG-2/4 audio); 01..11 are MPEG layers III..I.
  if (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) return (bytes[1] & 0x06) === 0 ? 'adts' : 'mp3';
  return null;
}

/** What each container is called in messages. */
export const CONTAINER_NAMES: Record<Container, string> = {
  wav: 'WAV',
  flac: 'FLAC',
  ogg: 'Ogg Opus',
  matroska: 'WebM/Matroska Opus',
  mp3: 'MP3',
  mp4: 'MP4/M4A',
  adts: 'AAC',
};
