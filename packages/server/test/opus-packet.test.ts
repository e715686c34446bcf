import { describe, expect, it } from 'vitest';
import { opusPacketInfo, OpusPacketError } from '../src/audio/opus-packet.js';

describe('opusPacketInfo (RFC 6716 framing)', () => {
  it('reads durations from the TOC byte and frame count code', () => {
    expect(opusPacketInfo(Uint8Array.of((1 << 3) | 0, 1, 2))).toEqual({ frames: 1, frameSamples: 960, samples: 960 }); // SILK NB 20 ms
    expect(opusPacketInfo(Uint8Array.of((31 << 3) | 1, 1, 2))).toEqual({ frames: 2, frameSamples: 960, samples: 1920 }); // CELT 20 ms x 2
    expect(opusPacketInfo(Uint8Array.of((16 << 3) | 2, 1, 5, 6))).toMatchObject({ frames: 2, samples: 240 }); // CELT 2.5 ms x 2
    expect(opusPacketInfo(Uint8Array.of((13 << 3) | 3, 3, 1, 2, 3))).toMatchObject({ frames: 3, samples: 2880 }); // CBR code 3
    expect(opusPacketInfo(Uint8Array.of(1 << 3))).toMatchObject({ samples: 960 }); // a 0-byte frame (DTX) is valid
  });

  it('rejects malformed packets with the rule they break', () => {
    expect(() => opusPacketInfo(new Uint8Array(0))).toThrow(/R1/);
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 1, 1, 2, 3))).toThrow(/R3/); // odd code 1
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 2, 200, 1))).toThrow(/R4/); // first frame past the end
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 3))).toThrow(/R6/); // no count byte
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 3, 0))).toThrow(/0 frames/);
    expect(() => opusPacketInfo(Uint8Array.of((3 << 3) | 3, 3, 0))).toThrow(/120 ms/); // 3 x 60 ms
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 3, 0x40 | 1, 50))).toThrow(/padding/);
    expect(() => opusPacketInfo(Uint8Array.of((1 << 3) | 3, 2, 1, 2, 3))).toThrow(/multiple/);
    expect(() => opusPacketInfo(new Uint8Array(1300))).toThrow(/1275/);
    for (const bad of [Uint8Array.of(0x0b, 0xff), Uint8Array.of(0x0b, 0x80 | 3, 252)]) {
      expect(() => opusPacketInfo(bad)).toThrow(OpusPacketError);
    }
  });
});
