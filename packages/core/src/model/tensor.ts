/** The host's onnxruntime Tensor class (see MosModel.load: a bundled second copy would fail `instanceof`). */
import type { Tensor } from 'onnxruntime-common';

export type TensorConstructor = typeof Tensor;
