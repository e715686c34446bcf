// Where the shipped models live: models/<name>/{model.onnx,card.json}.
exports.modelsDir = __dirname;
exports.shippedModels = ['tiny', 'lite', 'small', 'base'];
exports.defaultModel = 'small';
