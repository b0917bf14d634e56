package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

var _ ModelManager = (*Ollama)(nil)

// Show returns /api/show's description of the model.
func (o *Ollama) Show(ctx context.Context, name string) (ModelDetails, error) {
	client, base := o.current()
	var x exchange
	r, err := client.Show(x.in(ctx), &api.ShowRequest{Model: name})
	if err != nil {
		return ModelDetails{}, o.manageError(ctx, fmt.Sprintf("show model %q", name), base, name, x.statusCode(), err)
	}
	caps := make([]string, len(r.Capabilities))
	for i, c := range r.Capabilities {
		caps[i] = string(c)
	}
	return ModelDetails{
		Name:          name,
		Family:        r.Details.Family,
		Families:      r.Details.Families,
		ParameterSize: r.Details.ParameterSize,
		Quantization:  r.Details.QuantizationLevel,
		Format:        r.Details.Format,
		Parameters:    r.Parameters,
		Template:      r.Template,
		System:        r.System,
		License:       r.License,
		ContextLength: contextLength(r.ModelInfo),
		NumCtx:        numCtxParameter(r.Parameters),
		Capabilities:  caps,
		ModifiedAt:    r.ModifiedAt,
	}, nil
}

// contextLength reads "<architecture>.context_length" from GGUF metadata as /api/show reports
// it (a JSON number, so float64).
func contextLength(info map[string]any) int {
	arch, _ := info["general.architecture"].(string)
	if v, ok := info[arch+".context_length"].(float64); ok && arch != "" {
		return int(v)
	}
	for k, v := range info {
		if f, ok := v.(float64); ok && strings.HasSuffix(k, ".context_length") {
			return int(f)
		}
	}
	return 0
}

// numCtxParameter finds "num_ctx N" among a Modelfile's parameter lines.
func numCtxParameter(params string) int {
	for _, line := range strings.Split(params, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "num_ctx" {
			if n, err := strconv.Atoi(f[1]); err == nil {
				return n
			}
		}
	}
	return 0
}

// Running lists the models Ollama holds in memory (/api/ps).
func (o *Ollama) Running(ctx context.Context) ([]RunningModel, error) {
	client, base := o.current()
	var x exchange
	r, err := client.ListRunning(x.in(ctx))
	if err != nil {
		return nil, o.manageError(ctx, "list the loaded models", base, "", x.statusCode(), err)
	}
	out := make([]RunningModel, 0, len(r.Models))
	for _, m := range r.Models {
		out = append(out, RunningModel{
			Name:          m.Name,
			Size:          m.Size,
			SizeVRAM:      m.SizeVRAM,
			Family:        m.Details.Family,
			ParameterSize: m.Details.ParameterSize,
			Quantization:  m.Details.QuantizationLevel,
			ExpiresAt:     m.ExpiresAt,
		})
	}
	return out, nil
}

// Unload asks Ollama to free the model now. Ollama has no unload call: a generate request
// without a prompt and with keep_alive 0 is its documented way.
func (o *Ollama) Unload(ctx context.Context, name string) error {
	client, base := o.current()
	var x exchange
	err := client.Generate(x.in(ctx), &api.GenerateRequest{Model: name, KeepAlive: &api.Duration{}},
		func(api.GenerateResponse) error { return nil })
	if err != nil {
		return o.manageError(ctx, fmt.Sprintf("unload model %q", name), base, name, x.statusCode(), err)
	}
	return nil
}

// Delete removes the model from Ollama's disk; layers other models share stay.
func (o *Ollama) Delete(ctx context.Context, name string) error {
	client, base := o.current()
	var x exchange
	if err := client.Delete(x.in(ctx), &api.DeleteRequest{Model: name}); err != nil {
		return o.manageError(ctx, fmt.Sprintf("delete model %q", name), base, name, x.statusCode(), err)
	}
	return nil
}

// Pull downloads the model through Ollama, which fetches it from its registry.
func (o *Ollama) Pull(ctx context.Context, name string, insecure bool, onProgress func(PullProgress)) error {
	for attempt := 1; ; attempt++ {
		err := o.pull(ctx, name, insecure, onProgress)
		// Ollama shares a blob's download between pulls and forgets it only once a cancelled
		// download has saved how far it got. A pull started in that moment (a resume right
		// after a cancel) joins the dying download and fails with its "context canceled";
		// a moment later the same pull resumes from the saved part.
		if err == nil || ctx.Err() != nil || attempt == 3 || !strings.Contains(err.Error(), "context canceled") {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pull model %q: %w", name, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (o *Ollama) pull(ctx context.Context, name string, insecure bool, onProgress func(PullProgress)) error {
	client, base := o.current()
	what := fmt.Sprintf("pull model %q", name)
	var x exchange
	success := false
	err := client.Pull(x.in(ctx), &api.PullRequest{Model: name, Insecure: insecure}, func(p api.ProgressResponse) error {
		if p.Status == "success" {
			success = true
		}
		if onProgress != nil {
			onProgress(PullProgress{Status: p.Status, Digest: p.Digest, Total: p.Total, Completed: p.Completed})
		}
		return nil
	})
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", what, ctx.Err())
	case err != nil:
		return pullError(what, base, name, x.statusCode(), err)
	case x.bodyErr() != nil:
		return fmt.Errorf("%s: %w: lost the connection to Ollama at %s mid-download (%v); pull again to resume",
			what, ErrUnreachable, base, x.bodyErr())
	case !success:
		return fmt.Errorf("%s at %s: %w", what, base,
			&ServerError{Status: x.statusCode(), Message: "the download ended without Ollama reporting success; pull again to resume"})
	}
	return nil
}

// pullError explains a failed pull. Ollama reports a name its registry does not have inside the
// stream (HTTP 200) with the registry's words, so those are matched here: there is no status to go
// by.
func pullError(what, base, name string, status int, err error) error {
	msg := err.Error()
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "file does not exist"), strings.Contains(lower, "manifest unknown"),
		strings.Contains(lower, "name unknown"), strings.Contains(lower, "not found"):
		return fmt.Errorf("%s: %w: the registry has no model %q (%s); check the name on the model library (e.g. llama3.2 or llama3.2:1b)",
			what, ErrModelNotFound, name, msg)
	case strings.Contains(lower, "invalid model name"), strings.Contains(lower, "invalid name"):
		return fmt.Errorf("%s: %w", what, &ServerError{Status: http.StatusBadRequest,
			Message: fmt.Sprintf("%q is not a model name; write it like llama3.2, llama3.2:1b or namespace/model:tag", name)})
	case strings.Contains(lower, "insecure protocol"):
		return fmt.Errorf("%s: %w", what, &ServerError{Status: http.StatusBadRequest,
			Message: "that registry speaks plain http; allow an insecure registry to pull from it"})
	case strings.Contains(lower, "no such host"), strings.Contains(lower, "connection refused"),
		strings.Contains(lower, "i/o timeout"), strings.Contains(lower, "dial tcp"):
		return fmt.Errorf("%s at %s: %w", what, base, &ServerError{Status: http.StatusBadGateway,
			Message: "Ollama could not reach the model registry (" + msg + "); check this machine's internet connection"})
	}
	return classify(what, base, "", status, err)
}

// manageError classifies a failed management call; a 404 there means the model is missing.
func (o *Ollama) manageError(ctx context.Context, what, base, name string, status int, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s at %s: %w", what, base, ctx.Err())
	}
	var se api.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && name != "" {
		return fmt.Errorf("%s: %w: Ollama at %s has no model %q", what, ErrModelNotFound, base, name)
	}
	if status == http.StatusNotFound && name != "" {
		return fmt.Errorf("%s: %w: Ollama at %s has no model %q", what, ErrModelNotFound, base, name)
	}
	return classify(what, base, "", status, err)
}
