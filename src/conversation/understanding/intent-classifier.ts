import { NeuralNetwork } from '@nlpjs/neural';
import { featuresOf } from './features';

/** The label of the out-of-scope class every model is trained with. */
export const NONE = '__none__';

export interface RankedIntent {
  intent: string;
  score: number;
}

export interface Classification {
  /** The best intent, or null when the text is out of scope or shares nothing with the examples. */
  intent: string | null;
  /** Confidence of the best intent, 0..1 (its share of the network's output, damped when the output is weak). */
  score: number;
  /** In-scope intents, best first. */
  ranked: RankedIntent[];
}

/**
 * A small intent classifier: @nlpjs/neural (the perceptron network of NLP.js) trained in memory on example
 * sentences, with an out-of-scope class. Training a menu's worth of examples takes milliseconds.
 */
export class IntentClassifier {
  private constructor(
    private readonly net: NeuralNetwork,
    private readonly known: Set<string>,
  ) {}

  static train(examples: { intent: string; text: string }[], outOfScope: string[]): IntentClassifier {
    const corpus: { input: Record<string, number>; output: Record<string, number> }[] = [];
    const known = new Set<string>();
    const add = (text: string, intent: string) => {
      const input = featuresOf(text);
      if (Object.keys(input).length === 0) return;
      for (const f of Object.keys(input)) known.add(f);
      corpus.push({ input, output: { [intent]: 1 } });
    };
    for (const e of examples) add(e.text, e.intent);
    for (const t of outOfScope) add(t, NONE);
    const net = new NeuralNetwork({ iterations: 100, log: false });
    net.train(corpus);
    return new IntentClassifier(net, known);
  }

  classify(text: string): Classification {
    const input = featuresOf(text);
    const keys = Object.keys(input);
    const seen = keys.filter((k) => this.known.has(k)).length;
    if (seen === 0) return { intent: null, score: 0, ranked: [] };
    const out = this.net.run(input) ?? {};
    const entries = Object.entries(out).filter(([, v]) => v > 0);
    const total = entries.reduce((s, [, v]) => s + v, 0);
    if (total === 0) return { intent: null, score: 0, ranked: [] };
    const all = entries.map(([intent, v]) => ({ intent, score: v / total, raw: v })).sort((a, b) => b.score - a.score);
    // A text most of whose features were never seen is less certain than its share says.
    const coverage = seen / keys.length;
    const damp = (s: number, raw: number) => s * Math.min(1, raw) * Math.sqrt(coverage);
    const ranked = all.filter((r) => r.intent !== NONE).map((r) => ({ intent: r.intent, score: damp(r.score, r.raw) }));
    const top = all[0]!;
    if (top.intent === NONE) return { intent: null, score: 0, ranked };
    return { intent: top.intent, score: ranked[0]?.score ?? 0, ranked };
  }
}
