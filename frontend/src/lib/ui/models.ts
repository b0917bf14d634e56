/**
 * The name a person uses for a model. Ollama treats `name` and `name:latest` as the same model
 * and lists the long form; the picker shows and sends the short one, so a conversation started
 * as "llama3.2" and the listed "llama3.2:latest" are recognised as one.
 */
export function modelName(name: string): string {
  return name.replace(/:latest$/, '');
}
