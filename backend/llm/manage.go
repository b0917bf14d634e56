package llm

import (
	"context"
	"time"
)

// ModelManager is a server whose models can be inspected, loaded, pulled and deleted. Ollama is
// one; OpenAI-compatible servers are not (they only list what they serve).
type ModelManager interface {
	// Show returns what the server knows about one model.
	Show(ctx context.Context, name string) (ModelDetails, error)
	// Running lists the models loaded in memory now.
	Running(ctx context.Context) ([]RunningModel, error)
	// Unload frees the memory a loaded model holds. Unloading a model that is not loaded is not
	// an error.
	Unload(ctx context.Context, name string) error
	// Delete removes a model from the server's disk.
	Delete(ctx context.Context, name string) error
	// Pull downloads a model, calling onProgress with each report the server streams. It
	// returns when the model is complete, ctx is cancelled (what was downloaded stays, so pulling
	// again resumes), or the pull fails. insecure allows a registry over plain http — for a
	// registry on the person's own network, never the default.
	Pull(ctx context.Context, name string, insecure bool, onProgress func(PullProgress)) error
}

// ModelDetails is one model as /api/show describes it.
type ModelDetails struct {
	Name          string   `json:"name"`
	Family        string   `json:"family,omitempty"`
	Families      []string `json:"families,omitempty"`
	ParameterSize string   `json:"parameterSize,omitempty"`
	Quantization  string   `json:"quantization,omitempty"`
	Format        string   `json:"format,omitempty"`
	// Parameters are the model's own defaults, one "name value" per line as in a Modelfile.
	Parameters string `json:"parameters,omitempty"`
	Template   string `json:"template,omitempty"`
	System     string `json:"system,omitempty"`
	License    string `json:"license,omitempty"`
	// ContextLength is the context the model was trained for (0 when the server does not say).
	ContextLength int `json:"contextLength,omitempty"`
	// NumCtx is the context window the model's parameters set; 0 means the server's default
	// (DefaultNumCtx for Ollama 0.6).
	NumCtx int `json:"numCtx,omitempty"`
	// Capabilities are what the model can do: "completion", "vision", "insert", ...
	Capabilities []string  `json:"capabilities,omitempty"`
	ModifiedAt   time.Time `json:"modifiedAt,omitzero"`
}

// DefaultNumCtx is the context window Ollama 0.6 gives a model whose parameters set none:
// whatever the model could take, a longer conversation is cut to this many tokens silently.
const DefaultNumCtx = 2048

// Vision tells whether the model takes images.
func (d ModelDetails) Vision() bool {
	for _, c := range d.Capabilities {
		if c == "vision" {
			return true
		}
	}
	return false
}

// RunningModel is a model loaded in memory (/api/ps).
type RunningModel struct {
	Name          string `json:"name"`
	Size          int64  `json:"size"`     // bytes of memory it holds
	SizeVRAM      int64  `json:"sizeVram"` // of which on the GPU
	Family        string `json:"family,omitempty"`
	ParameterSize string `json:"parameterSize,omitempty"`
	Quantization  string `json:"quantization,omitempty"`
	// ExpiresAt is when the server unloads it unless it is used again.
	ExpiresAt time.Time `json:"expiresAt"`
}

// PullProgress is one report of a pull: a phase ("pulling manifest", "pulling <digest>",
// "verifying sha256 digest", "writing manifest", "success") and, while a layer downloads, how
// much of it is done.
type PullProgress struct {
	Status    string `json:"status"`
	Digest    string `json:"digest,omitempty"`
	Total     int64  `json:"total,omitempty"`
	Completed int64  `json:"completed,omitempty"`
}
