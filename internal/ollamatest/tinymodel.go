package ollamatest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The tiny model: a llama-architecture network with random F32 weights and a SentencePiece-style
// vocabulary. It loads in Ollama in a fraction of a second and produces English-looking gibberish.
const (
	tinyEmbd    = 64
	tinyFF      = 128
	tinyLayers  = 2
	tinyHeads   = 4
	tinyHeadsKV = 4
	tinyCtx     = 4096
)

// Channel 0 of the residual stream is reserved as a "keep talking" signal. Every token embeds a
// large constant there and no block writes into it, so after the final RMSNorm it dominates the
// hidden state (≈ 8 of a norm of 8). output.weight reads it with +1 for word tokens and
// forbiddenLogitWeight for <unk>, <s>, </s>, the byte tokens and lone letters: their logits sit
// ~80 below the words', far beyond what the random channels can bridge (their spread is ~2). So
// the model practically never ends a reply on its own (length is num_predict's alone) and never
// emits bytes or control tokens — replies are clean space-separated words.
const (
	keepTalking          = 100.0
	wordLogitWeight      = 1.0
	punctLogitWeight     = 0.85 // a rare comma or full stop, glued to the word before it
	forbiddenLogitWeight = -10.0

	// Spreads of the random weights, chosen so the random channels stay small next to channel 0
	// (they decide which word comes next, not whether one does).
	embdStd   = 1.0
	blockStd  = 0.1
	outputStd = 2.0

	// antiRepeat makes each token's output row point away from its own embedding, so the word
	// just said scores low as the next one. Without it greedy decoding (temperature 0) can settle
	// on one word, and Ollama silently cuts a reply off after 31 identical tokens.
	antiRepeat = 0.5
)

// SentencePiece token types.
const (
	tokNormal  = 1
	tokUnknown = 2
	tokControl = 3
	tokByte    = 6
)

const tinyWords = "the a an and of to in is it you that he was for on are as with his they I at be this " +
	"have from or one had by word but not what all were we when your can said there use each which she do " +
	"how their if will up other about out many then them these so some her would make like him into time " +
	"has look two more write go see number no way could people my than first water been call who oil its " +
	"now find long down day did get come made may part hello world local model cloud bridge token stream " +
	"chat answer question"

type vocabToken struct {
	text        string
	score       float32
	typ         int32
	logitWeight float32 // output.weight's channel-0 entry for this token
}

func tinyVocab() []vocabToken {
	v := []vocabToken{
		{"<unk>", 0, tokUnknown, forbiddenLogitWeight},
		{"<s>", 0, tokControl, forbiddenLogitWeight},
		{"</s>", 0, tokControl, forbiddenLogitWeight},
	}
	for b := 0; b < 256; b++ {
		v = append(v, vocabToken{fmt.Sprintf("<0x%02X>", b), 0, tokByte, forbiddenLogitWeight})
	}
	for _, w := range strings.Fields(tinyWords) {
		v = append(v, vocabToken{"\u2581" + w, -1, tokNormal, wordLogitWeight})
	}
	// Single characters let any input be tokenized; letters would glue onto words in output.
	for _, c := range "abcdefghijklmnopqrstuvwxyz" {
		v = append(v, vocabToken{string(c), -5, tokNormal, forbiddenLogitWeight})
	}
	for _, c := range ".,!?" {
		v = append(v, vocabToken{string(c), -5, tokNormal, punctLogitWeight})
	}
	v = append(v, vocabToken{"\u2581", -2, tokNormal, forbiddenLogitWeight})
	return v
}

// WriteTinyGGUF writes a tiny llama-architecture GGUF v3 model (about 0.5 MB) to path. The
// weights are random, drawn from seed, but shaped so the model only ever emits words: it does not
// stop by itself, so a reply's length is set by num_predict alone.
func WriteTinyGGUF(path string, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7469_6e79))
	gauss := func(n int, std float64) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(rng.NormFloat64() * std)
		}
		return out
	}
	ones := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = 1
		}
		return out
	}
	// zeroRow0 clears output row 0 of an (in, out) matrix: nothing is added to channel 0.
	zeroRow0 := func(m []float32, in int) []float32 {
		clear(m[:in])
		return m
	}
	// zeroCol0 makes an (in, out) matrix ignore channel 0. Channel 0 is the same for every
	// token, so reading it would add one fixed vector to every block's output, and the word that
	// vector favours would win every greedy step.
	zeroCol0 := func(m []float32, in int) []float32 {
		for r := 0; r < len(m); r += in {
			m[r] = 0
		}
		return m
	}

	vocab := tinyVocab()
	nVocab := len(vocab)
	texts := make([]string, nVocab)
	scores := make([]float32, nVocab)
	types := make([]int32, nVocab)
	for i, t := range vocab {
		texts[i], scores[i], types[i] = t.text, t.score, t.typ
	}

	var w ggufWriter
	w.str("general.architecture", "llama")
	w.str("general.name", "tiny-random-llama")
	w.u32("general.alignment", ggufAlign)
	w.u32("llama.context_length", tinyCtx)
	w.u32("llama.embedding_length", tinyEmbd)
	w.u32("llama.block_count", tinyLayers)
	w.u32("llama.feed_forward_length", tinyFF)
	w.u32("llama.attention.head_count", tinyHeads)
	w.u32("llama.attention.head_count_kv", tinyHeadsKV)
	w.u32("llama.rope.dimension_count", tinyEmbd/tinyHeads)
	w.f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
	w.f32("llama.rope.freq_base", 10000)
	w.u32("general.file_type", 0) // all F32
	w.str("tokenizer.ggml.model", "llama")
	w.strs("tokenizer.ggml.tokens", texts)
	w.f32s("tokenizer.ggml.scores", scores)
	w.i32s("tokenizer.ggml.token_type", types)
	w.u32("tokenizer.ggml.bos_token_id", 1)
	w.u32("tokenizer.ggml.eos_token_id", 2)
	w.u32("tokenizer.ggml.unknown_token_id", 0)

	embd := gauss(tinyEmbd*nVocab, embdStd)
	output := gauss(tinyEmbd*nVocab, outputStd)
	for t := range nVocab {
		row := t * tinyEmbd
		embd[row] = keepTalking
		output[row] = vocab[t].logitWeight
		for i := 1; i < tinyEmbd; i++ {
			output[row+i] -= antiRepeat * embd[row+i]
		}
	}
	w.tensor("token_embd.weight", []uint64{tinyEmbd, uint64(nVocab)}, embd)
	w.tensor("output_norm.weight", []uint64{tinyEmbd}, ones(tinyEmbd))
	w.tensor("output.weight", []uint64{tinyEmbd, uint64(nVocab)}, output)

	kvDim := tinyEmbd * tinyHeadsKV / tinyHeads
	for i := range tinyLayers {
		p := fmt.Sprintf("blk.%d.", i)
		w.tensor(p+"attn_norm.weight", []uint64{tinyEmbd}, ones(tinyEmbd))
		w.tensor(p+"attn_q.weight", []uint64{tinyEmbd, tinyEmbd}, zeroCol0(gauss(tinyEmbd*tinyEmbd, blockStd), tinyEmbd))
		w.tensor(p+"attn_k.weight", []uint64{tinyEmbd, uint64(kvDim)}, zeroCol0(gauss(tinyEmbd*kvDim, blockStd), tinyEmbd))
		w.tensor(p+"attn_v.weight", []uint64{tinyEmbd, uint64(kvDim)}, zeroCol0(gauss(tinyEmbd*kvDim, blockStd), tinyEmbd))
		w.tensor(p+"attn_output.weight", []uint64{tinyEmbd, tinyEmbd},
			zeroRow0(gauss(tinyEmbd*tinyEmbd, blockStd), tinyEmbd))
		w.tensor(p+"ffn_norm.weight", []uint64{tinyEmbd}, ones(tinyEmbd))
		w.tensor(p+"ffn_gate.weight", []uint64{tinyEmbd, tinyFF}, zeroCol0(gauss(tinyEmbd*tinyFF, blockStd), tinyEmbd))
		w.tensor(p+"ffn_up.weight", []uint64{tinyEmbd, tinyFF}, zeroCol0(gauss(tinyEmbd*tinyFF, blockStd), tinyEmbd))
		w.tensor(p+"ffn_down.weight", []uint64{tinyFF, tinyEmbd},
			zeroRow0(gauss(tinyFF*tinyEmbd, blockStd), tinyFF))
	}

	if err := w.writeFile(path); err != nil {
		return fmt.Errorf("write tiny model: %w", err)
	}
	return nil
}
