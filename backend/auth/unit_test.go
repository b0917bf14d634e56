package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

func TestConfigNormalize(t *testing.T) {
	tests := []struct {
		name    string
		in      Config
		want    Config
		wantErr string
	}{
		{"empty is not set up", Config{}, Config{}, ""},
		{"trimmed, scopes split and deduplicated", Config{Issuer: " https://id.example.com/ ", ClientID: " app ", Scopes: []string{"openid email", "email"}},
			Config{Issuer: "https://id.example.com/", ClientID: "app", Scopes: []string{"openid", "email"}}, ""},
		{"http on loopback", Config{Issuer: "http://127.0.0.1:8080/realms/x", ClientID: "a"}, Config{Issuer: "http://127.0.0.1:8080/realms/x", ClientID: "a"}, ""},
		{"http elsewhere", Config{Issuer: "http://id.example.com", ClientID: "a"}, Config{}, "must use https"},
		{"no client", Config{Issuer: "https://id.example.com"}, Config{}, "client ID"},
		{"no issuer", Config{ClientID: "a"}, Config{}, "issuer URL is missing"},
		{"not a URL", Config{Issuer: "id.example.com", ClientID: "a"}, Config{}, "not an issuer URL"},
		{"query", Config{Issuer: "https://id.example.com/?x=1", ClientID: "a"}, Config{}, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.normalize()
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Issuer != tt.want.Issuer || got.ClientID != tt.want.ClientID || strings.Join(got.Scopes, " ") != strings.Join(tt.want.Scopes, " ") {
				t.Fatalf("normalize = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestScopesAlwaysIncludeOpenID(t *testing.T) {
	if got := strings.Join((Config{Scopes: []string{"email"}}).scopes(), " "); got != "openid email" {
		t.Fatalf("scopes %q", got)
	}
	if got := strings.Join((Config{}).scopes(), " "); got != "openid profile email offline_access" {
		t.Fatalf("default scopes %q", got)
	}
}

func TestCheckTimes(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	future := float64(now.Add(time.Hour).Unix())
	tests := []struct {
		name     string
		iat, exp time.Time
		nbf      *float64
		wantCode string // "" = valid
		wantText string
	}{
		{"fresh", now.Add(-time.Second), now.Add(time.Hour), nil, "", ""},
		{"small skew is tolerated", now.Add(4 * time.Minute), now.Add(time.Hour), nil, "", ""},
		{"clock behind", now.Add(20 * time.Minute), now.Add(time.Hour), nil, CodeClockSkew, "about 20 minutes behind"},
		{"clock ahead", now.Add(-5 * time.Hour), now.Add(-4 * time.Hour), nil, CodeClockSkew, "about 5 hours ahead of"},
		{"expired", now.Add(-time.Minute), now.Add(-time.Second), nil, CodeRejected, "expired"},
		{"not yet valid", now, now.Add(time.Hour), &future, CodeRejected, "not valid yet"},
		{"no times", time.Time{}, time.Time{}, nil, CodeRejected, "lacks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkTimes(now, tt.iat, tt.exp, tt.nbf)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Code != tt.wantCode || !strings.Contains(p.Message, tt.wantText) || p.Hint == "" {
				t.Fatalf("err = %v, want %s mentioning %q with a hint", err, tt.wantCode, tt.wantText)
			}
		})
	}
}

func TestProfileFromClaims(t *testing.T) {
	tests := []struct {
		in   idClaims
		want Profile
	}{
		{idClaims{Subject: "s", Name: "Ann", Email: "a@x", Picture: "https://x/p.png"}, Profile{"s", "Ann", "a@x", "https://x/p.png"}},
		{idClaims{Subject: "s", GivenName: "Ann", FamilyName: "Lee"}, Profile{Subject: "s", Name: "Ann Lee"}},
		{idClaims{Subject: "s", PreferredUsername: "ann"}, Profile{Subject: "s", Name: "ann"}},
		{idClaims{Subject: "s", Picture: "javascript:alert(1)"}, Profile{Subject: "s"}},
		{idClaims{Subject: "s", Picture: "data:image/png;base64,AAAA"}, Profile{Subject: "s"}},
	}
	for _, tt := range tests {
		if got := tt.in.profile(); got != tt.want {
			t.Errorf("profile(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	p := &Profile{Subject: "s", Name: "Ann", Email: "a@x"}
	tests := []struct {
		name string
		in   Account
		want status.Account
	}{
		{"signed in", Account{State: StateSignedIn, Profile: p}, status.Account{State: status.SignedIn, Name: "Ann", Email: "a@x"}},
		{"signed in, not remembered", Account{State: StateSignedIn, Profile: p, Keyring: &Notice{Message: "not remembered"}},
			status.Account{State: status.SignedIn, Name: "Ann", Email: "a@x", Hint: "not remembered"}},
		{"session ended", Account{State: StateSignedOut, Error: &Notice{Code: CodeSessionEnded, Message: "ended", Hint: "sign in"}},
			status.Account{State: status.AccountError, Error: "ended", Hint: "sign in"}},
		{"cancelled is no alarm", Account{State: StateSignedOut, Error: &Notice{Code: CodeCancelled, Message: "x"}}, status.Account{State: status.SignedOut}},
		{"signing in", Account{State: StateSigningIn}, status.Account{State: status.SignedOut}},
		{"not set up", Account{State: StateUnconfigured}, status.Account{State: status.SignedOut}},
	}
	for _, tt := range tests {
		if got := tt.in.Summary(); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestSessionEnd(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	exp := now.Add(5 * time.Minute)
	tests := []struct {
		name string
		tok  *oauth2.Token
		want time.Time
	}{
		{"no refresh token: the access token's expiry", &oauth2.Token{AccessToken: "a", Expiry: exp}, exp},
		{"refresh token, no stated end", &oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: exp}, time.Time{}},
		{"refresh token with refresh_expires_in", (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"refresh_expires_in": float64(1800)}), now.Add(30 * time.Minute)},
		{"as a string", (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"refresh_expires_in": "60"}), now.Add(time.Minute)},
	}
	for _, tt := range tests {
		if got := sessionEnd(tt.tok, now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSummaryExpiring(t *testing.T) {
	p := &Profile{Subject: "s", Email: "a@x"}
	soon := time.Now().Add(5 * time.Minute)
	if got := (Account{State: StateSignedIn, Profile: p, EndsAt: soon}).Summary(); got.State != status.Expiring || !got.ExpiresAt.Equal(soon) {
		t.Fatalf("ending in 5 minutes: %+v, want expiring", got)
	}
	later := time.Now().Add(time.Hour)
	if got := (Account{State: StateSignedIn, Profile: p, EndsAt: later}).Summary(); got.State != status.SignedIn || !got.ExpiresAt.Equal(later) {
		t.Fatalf("ending in an hour: %+v, want signed in", got)
	}
}

func TestProviderFailure(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"refused connection", &url.Error{Op: "Post", URL: "https://x/token", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, CodeProviderUnreachable},
		{"deadline", context.DeadlineExceeded, CodeProviderUnreachable},
		{"oauth error", &oauth2.RetrieveError{ErrorCode: "invalid_client", ErrorDescription: "unknown"}, CodeProviderError},
		{"other", errors.New("weird"), CodeProviderError},
	}
	for _, tt := range tests {
		p := providerFailure("https://x", "do it", tt.err)
		if p.Code != tt.code || p.Hint == "" {
			t.Errorf("%s: %+v, want code %s with a hint", tt.name, p, tt.code)
		}
	}
}

// The page shown after the redirect escapes what the provider sent (a name is not markup).
func TestPagesEscape(t *testing.T) {
	rec := &recorder{header: http.Header{}}
	writePage(rec, http.StatusOK, successPage(Profile{Name: "<script>alert(1)</script>", Email: "a@x"}))
	body := rec.body.String()
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("the name is not escaped: %s", body)
	}
	if rec.header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(rec.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("headers %v", rec.header)
	}
}

// The loopback listener: only its own host name, the first redirect only, and an error
// redirect or a missing code reported as such.
func TestLoopbackHandler(t *testing.T) {
	tests := []struct {
		name     string
		host     string // "" = the listener's own
		query    url.Values
		wantCode string // the Problem code the flow receives; "" = a code
		wantPage int
	}{
		{"good", "", url.Values{"state": {"S"}, "code": {"C"}}, "", http.StatusOK},
		{"other host name", "rebound.example:80", url.Values{"state": {"S"}, "code": {"C"}}, "-", http.StatusBadRequest},
		{"no state", "", url.Values{"code": {"C"}}, CodeRejected, http.StatusBadRequest},
		{"declined", "", url.Values{"state": {"S"}, "error": {"access_denied"}}, CodeCancelled, http.StatusOK},
		{"provider error", "", url.Values{"state": {"S"}, "error": {"invalid_scope"}, "error_description": {"no"}}, CodeProviderError, http.StatusBadRequest},
		{"no code", "", url.Values{"state": {"S"}}, CodeRejected, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb, err := listenLoopback("S")
			if err != nil {
				t.Fatal(err)
			}
			defer lb.close()
			// The flow's side: receive the callback, answer with its own error (or success).
			go func() {
				select {
				case cb := <-lb.callbacks:
					got := ""
					if cb.err != nil {
						got = cb.err.(*Problem).Code
					}
					if got != tt.wantCode {
						t.Errorf("flow got %q (code %q), want %q", got, cb.code, tt.wantCode)
					}
					cb.reply <- outcome{profile: Profile{Name: "Ann"}, err: cb.err}
				case <-time.After(5 * time.Second):
				}
			}()
			req, _ := http.NewRequest(http.MethodGet, lb.RedirectURI+"?"+tt.query.Encode(), nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantPage {
				t.Fatalf("page status %d, want %d", resp.StatusCode, tt.wantPage)
			}
			if tt.host != "" {
				return
			}
			// A second redirect to the same listener is refused.
			resp, err = http.Get(lb.RedirectURI + "?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("second redirect: %d, want 409", resp.StatusCode)
			}
		})
	}
}

type recorder struct {
	header http.Header
	body   strings.Builder
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestFetchPicture(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("PNGDATA"))
		case "/evil.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Write([]byte("<svg onload='alert(1)'/>"))
		case "/huge.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(make([]byte, maxPictureBytes+1))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	s := &Service{opts: Options{HTTPClient: srv.Client()}}
	tests := []struct {
		path, want string
		wantErr    bool
	}{
		{"/ok.png", "data:image/png;base64,UE5HREFUQQ==", false},
		{"/evil.svg", "", true},
		{"/huge.png", "", true},
		{"/missing.png", "", true},
	}
	for _, tt := range tests {
		got, err := s.fetchPicture(context.Background(), srv.URL+tt.path)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: %.40q, %v", tt.path, got, err)
		}
	}
}
