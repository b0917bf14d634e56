import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ModelPicker from './ModelPicker.svelte';

const models = [
  { name: 'tiny:latest', size: 1, modifiedAt: '', parameterSize: '134K' },
  { name: 'qwen2.5:7b', size: 2, modifiedAt: '' },
];

const options = () =>
  [...(screen.getByTestId('model-picker') as HTMLSelectElement).options].map((o) => [o.value, o.text]);

describe('ModelPicker', () => {
  it('offers the models by the names people type, and reports a choice', async () => {
    const onchoose = vi.fn();
    render(ModelPicker, { props: { models, value: 'tiny:latest', onchoose } });
    expect(options()).toEqual([
      ['tiny', 'tiny · 134K'],
      ['qwen2.5:7b', 'qwen2.5:7b'],
    ]);
    const select = screen.getByTestId('model-picker') as HTMLSelectElement;
    expect(select.value).toBe('tiny');
    select.value = 'qwen2.5:7b';
    await fireEvent.change(select);
    expect(onchoose).toHaveBeenCalledWith('qwen2.5:7b');
  });

  it('takes "name" and "name:latest" as one model', () => {
    render(ModelPicker, { props: { models, value: 'tiny', onchoose: () => {} } });
    expect(options()).toHaveLength(2);
    expect((screen.getByTestId('model-picker') as HTMLSelectElement).value).toBe('tiny');
  });

  it('keeps a conversation\'s model that is no longer installed visible and selected', () => {
    render(ModelPicker, { props: { models, value: 'gone:13b', onchoose: () => {} } });
    expect(options()[0]).toEqual(['gone:13b', 'gone:13b (not installed)']);
    expect((screen.getByTestId('model-picker') as HTMLSelectElement).value).toBe('gone:13b');
  });

  it('says when no models are installed', () => {
    render(ModelPicker, { props: { models: [], value: '', onchoose: () => {} } });
    expect(options()).toEqual([['', 'No models installed']]);
    expect((screen.getByTestId('model-picker') as HTMLSelectElement).disabled).toBe(true);
  });
});
