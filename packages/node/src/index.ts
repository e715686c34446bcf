export * from './audio-file.js';
export * from './backend.js';
export * from './models.js';
export * from './speech-detector.js';
