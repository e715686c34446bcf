/**
 * The simulated participants' thread (started by startDemoRoom): runs simulateParticipants with the
 * producers' ports it is given, says when the audio started, and stops everything on { type: 'stop' }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulateParticipants } from './demo-room.mjs';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const simulation = await simulateParticipants(workerData.targets, {
  phaseSeconds: workerData.phaseSeconds,
  participants: workerData.participants,
  onSenderError: (name, error) => port.postMessage({ type: 'sender-error', name, message: error.message }),
});
port.postMessage({ type: 'started', startedAt: simulation.startedAt });
port.on('message', async (m) => {
  if (m.type !== 'stop') return;
  await simulation.stop();
  port.close(); // nothing left: the thread ends
});
