package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
)

// MaxRequestBytes bounds one call's arguments, refused before they are read into memory. It is
// what chat itself accepts in one message — 1 MB of text and four 4 MB pictures, base64-encoded —
// so the web transport never refuses what the desktop would take.
const MaxRequestBytes = 24 << 20

// ServerOptions configure the HTTP transport.
type ServerOptions struct {
	// Addr is the address the server listens on, as given to net.Listen ("127.0.0.1:8089").
	Addr string
	// Token, when set, must be presented by every request (Authorization: Bearer, or the
	// session cookie the /login form sets). It is required unless Addr is loopback.
	Token string
	// Web is the web build to serve at /.
	Web fs.FS
	Log *slog.Logger
}

// Server is the web transport: the operations over POST, events over SSE, and the web build.
type Server struct {
	ops      *Ops
	bus      *events.Bus
	opts     ServerOptions
	loopback bool
	port     string
	caller   Caller
	mux      *http.ServeMux
}

const sessionCookie = "c2l_session"

// NewServer checks opts and returns the handler.
func NewServer(ops *Ops, bus *events.Bus, opts ServerOptions) (*Server, error) {
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("serve on %q: %w", opts.Addr, err)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback && opts.Token == "" {
		return nil, fmt.Errorf("serve on %s: a non-loopback address needs an access token (--token-file or CLOUDTOLOCALLLM_TOKEN), so nobody else on the network can use your models and history", opts.Addr)
	}
	s := &Server{ops: ops, bus: bus, opts: opts, loopback: loopback, port: port, caller: Local, mux: http.NewServeMux()}
	if !loopback {
		s.caller = Remote
	}
	s.mux.HandleFunc("POST /api/call/{op}", s.handleCall)
	s.mux.HandleFunc("/api/call/{op}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "POST")
		writeError(w, newError(http.StatusMethodNotAllowed, "bad_request", "operations are called with POST", ""))
	})
	s.mux.HandleFunc("GET /api/events", s.handleEvents)
	s.registerTransfer()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path, ""))
	})
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	if opts.Token != "" {
		s.mux.HandleFunc("GET /login", s.handleLoginForm)
		s.mux.HandleFunc("POST /login", s.handleLogin)
	}
	if opts.Web != nil {
		files := http.FileServerFS(opts.Web)
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			files.ServeHTTP(w, r)
		})
	}
	return s, nil
}

// ServeHTTP applies the checks every request must pass, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	if !s.hostAllowed(r.Host) {
		// A page on another site that rebinds its DNS name to 127.0.0.1 still sends its own name.
		writeError(w, newError(http.StatusForbidden, "forbidden", "unexpected Host header "+r.Host, "Open the app through the address it listens on."))
		return
	}
	if !s.sameOrigin(r) {
		writeError(w, newError(http.StatusForbidden, "forbidden", "requests from other web pages are refused", ""))
		return
	}
	if s.opts.Token != "" && !s.authorized(r) && r.URL.Path != "/login" {
		if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		writeError(w, newError(http.StatusUnauthorized, "unauthorized", "an access token is required", "Sign in at /login with the token the desktop was started with."))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) hostAllowed(host string) bool {
	if !s.loopback {
		return true // the token guards a server reachable under names we cannot know
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil || p != s.port {
		return false
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sameOrigin refuses cross-site requests: browsers send Origin on every POST and on cross-origin
// GETs, and Sec-Fetch-Site on all requests.
func (s *Server) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return origin == "http://"+r.Host || origin == "https://"+r.Host
}

func (s *Server) authorized(r *http.Request) bool {
	want := []byte(s.opts.Token)
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return subtle.ConstantTimeCompare([]byte(strings.TrimPrefix(a, "Bearer ")), want) == 1
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), want) == 1
	}
	return false
}

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		// Requiring JSON also forces a CORS preflight on any cross-origin attempt, which we never grant.
		writeError(w, newError(http.StatusUnsupportedMediaType, "bad_request", "the body must be JSON (Content-Type: application/json)", ""))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, newError(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request is larger than %d bytes", MaxRequestBytes), "Send a shorter message or smaller pictures."))
			return
		}
		writeError(w, badRequest("could not read the request: "+err.Error()))
		return
	}
	if len(body) > 0 && !json.Valid(body) {
		writeError(w, badRequest("the body is not valid JSON"))
		return
	}
	res, apiErr := s.ops.Call(r.Context(), s.caller, r.PathValue("op"), body)
	if apiErr != nil {
		if apiErr.status >= 500 {
			s.opts.Log.Warn("call failed", "op", r.PathValue("op"), "error", apiErr.Message)
		}
		writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.status, struct {
		Error *Error `json:"error"`
	}{e})
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, loginPage)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	token := r.PostFormValue("token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
		time.Sleep(500 * time.Millisecond) // slows guessing
		w.WriteHeader(http.StatusUnauthorized)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, strings.Replace(loginPage, "<!--error-->", "<p role=alert>That token is not right.</p>", 1))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

const loginPage = `<!doctype html><html><head><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>CloudToLocalLLM — sign in</title></head><body style="font-family:system-ui;max-width:24rem;margin:4rem auto">
<h1>CloudToLocalLLM</h1><p>This desktop asks for the access token it was started with.</p><!--error-->
<form method=post action=/login><label>Access token <input name=token type=password autocomplete=current-password required autofocus></label>
<button>Sign in</button></form></body></html>`
