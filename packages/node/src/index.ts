export * from './audio-file.js';
export * from './backend.js';
export * from './models.js';
