package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/archive"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
)

// Export and import over HTTP, for the web build: files are too large for an operation's JSON
// arguments (MaxRequestBytes) and are streamed instead. The desktop does the same through the
// history.exportFile and history.importFile operations and its own file dialogs.
//
//	GET  /api/history/export?format=json|markdown[&id=…]…  → the file, as a download
//	POST /api/history/import?name=FILE  (body: the file)   → ImportResult, or an Error
//
// Both pass the same checks as every request (Host, same origin, token); the import also needs a
// Content-Type a cross-site form cannot send without a preflight, which is never granted.
func (s *Server) registerTransfer() {
	s.mux.HandleFunc("GET /api/history/export", s.handleExport)
	s.mux.HandleFunc("POST /api/history/import", s.handleImport)
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	a := s.ops.archive
	if a == nil {
		writeError(w, newError(http.StatusNotFound, "not_found", "export is not available here", ""))
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = archive.FormatJSON
	}
	if format != archive.FormatJSON && format != archive.FormatMarkdown {
		writeError(w, badRequest(fmt.Sprintf("format %q: export as json or markdown", format)))
		return
	}
	ids := q["id"]
	if len(ids) > 10000 {
		writeError(w, badRequest("too many conversations named; export them all instead"))
		return
	}
	name := "cloudtolocalllm-history"
	if len(ids) == 1 {
		if c, err := s.ops.chat.GetPage(r.Context(), chat.GetParams{ID: ids[0], Limit: 1}); err == nil {
			name = c.Title
		} else {
			writeError(w, toError(err))
			return
		}
	}
	file := archive.FileName(name, format)
	ctype := "application/json"
	if format == archive.FormatMarkdown {
		ctype = "text/markdown; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": file}))
	cw := &countingWriter{w: w}
	if _, err := a.Export(r.Context(), cw, archive.ExportOptions{Format: format, IDs: ids}); err != nil {
		if cw.n == 0 {
			h.Del("Content-Disposition")
			writeError(w, toError(err))
			return
		}
		// Part of the file is on its way: breaking the connection is the only way left to make
		// the browser report the download as failed rather than keep a truncated file.
		s.opts.Log.Warn("export failed part-way", "error", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	a := s.ops.archive
	if a == nil {
		writeError(w, newError(http.StatusNotFound, "not_found", "import is not available here", ""))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/octet-stream" && mt != "application/json" {
		writeError(w, newError(http.StatusUnsupportedMediaType, "bad_request", "send the file as the body, with Content-Type application/octet-stream or application/json", ""))
		return
	}
	name := path.Base(r.URL.Query().Get("name"))
	if name == "." || name == "/" || len(name) > 255 {
		name = "the uploaded file"
	}
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	// The archive enforces its own limit while it reads; this one only stops a body far past it
	// from being read at all.
	body := http.MaxBytesReader(w, r.Body, archive.MaxFileBytes+1<<20)
	res, err := a.Import(r.Context(), body, name)
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, newError(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the file is larger than %d MiB", archive.MaxFileBytes>>20), ""))
		case archive.IsInvalid(err):
			writeError(w, importError(err))
		default:
			writeError(w, toError(err))
		}
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// importError is a file that cannot be imported, as the client sees it: the error names the
// file and the place, so it is the message; nothing was imported.
func importError(err error) *Error {
	status, code := http.StatusBadRequest, "bad_request"
	if errors.Is(err, archive.ErrTooLarge) {
		status, code = http.StatusRequestEntityTooLarge, "too_large"
	}
	return newError(status, code, err.Error(), "Nothing was imported. Fix the file or choose another export.")
}

type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
