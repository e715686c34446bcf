export declare const modelsDir: string;
export declare const shippedModels: readonly string[];
export declare const defaultModel: string;
