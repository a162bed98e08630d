declare module '@nlpjs/neural' {
  export interface NeuralSettings {
    iterations?: number;
    errorThresh?: number;
    deltaErrorThresh?: number;
    learningRate?: number;
    momentum?: number;
    alpha?: number;
    log?: boolean;
  }
  export class NeuralNetwork {
    constructor(settings?: NeuralSettings);
    train(corpus: { input: Record<string, number>; output: Record<string, number> }[]): { iterations: number; error: number };
    run(input: Record<string, number>): Record<string, number> | undefined;
  }
}
