// Where the shipped models live: models/<name>/{model.onnx,card.json}.
export declare const modelsDir: string;
export declare const shippedModels: readonly string[];
export declare const defaultModel: string;
