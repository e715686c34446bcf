// A user's Vite app: the client and a shipped model taken from the packages, nothing copied by hand.
import { createQualityMonitor, defineCallmosBadge } from '@callmos/client';
import onnx from '@callmos/models/tiny/model.onnx?url';
import card from '@callmos/models/tiny/card.json?url';
import front from '@callmos/models/tiny/front.onnx?url';
import back from '@callmos/models/tiny/back.onnx?url';

defineCallmosBadge();

/** Scores the (fake) microphone; resolves with the first scored window's MOS. */
window.firstScore = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const monitor = await createQualityMonitor({ model: { onnx, card, front, back } });
  const mic = monitor.monitorTrack(stream.getAudioTracks()[0], { id: 'mic' });
  document.querySelector('callmos-badge').track = mic;
  return new Promise((resolve, reject) => {
    mic.scores$.subscribe({ next: (e) => e.scored && resolve({ mos: e.mos, backend: monitor.backend }), error: reject });
  });
};
