package oidctest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
)

// Paths of the example provider's endpoints that the harness touches.
const (
	tokenPath    = "/oauth/token"
	devicePath   = "/device_authorization"
	denyPath     = "/login/deny"
	picturesPath = "/pictures/"
)

// Picture is the PNG every test user's picture URL serves: one teal pixel.
func Picture() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 0x14, G: 0xb8, B: 0xa6, A: 0xff})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// TamperFunc changes the claims of the ID token in token responses. It returns the key to sign
// the changed token with: nil for the provider's own key (so only the claims are wrong), or
// another key (so the signature is wrong).
type TamperFunc func(claims map[string]any) *rsa.PrivateKey

// TamperIDTokens makes every following token response carry an ID token changed by f, as an
// attacker between the app and the provider, or a misbehaving provider, would. nil stops it.
func (p *Provider) TamperIDTokens(f TamperFunc) {
	if f == nil {
		p.tamper.Store(nil)
		return
	}
	p.tamper.Store(&f)
}

func (p *Provider) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == tokenPath {
			p.countGrant(r)
		}
		switch {
		case strings.HasPrefix(r.URL.Path, picturesPath):
			w.Header().Set("Content-Type", "image/png")
			w.Write(Picture())
		case r.URL.Path == denyPath:
			p.deny(w, r)
		case r.Method == http.MethodPost && r.URL.Path == tokenPath && p.tamper.Load() != nil:
			p.rewriteJSON(w, r, next, p.tamperTokenResponse)
		case r.Method == http.MethodPost && r.URL.Path == devicePath:
			// The example asks clients to poll every 5 s; tests would spend most of their time
			// waiting. The app must honour whatever interval the provider sends.
			p.rewriteJSON(w, r, next, func(body map[string]any) error {
				body["interval"] = 1
				return nil
			})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// rewriteJSON lets next answer, then changes a successful JSON answer with f.
func (p *Provider) rewriteJSON(w http.ResponseWriter, r *http.Request, next http.Handler, f func(map[string]any) error) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err == nil {
			if err := f(m); err != nil {
				http.Error(w, "oidctest: "+err.Error(), http.StatusInternalServerError)
				return
			}
			body, _ = json.Marshal(m)
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func (p *Provider) tamperTokenResponse(body map[string]any) error {
	f := p.tamper.Load()
	raw, _ := body["id_token"].(string)
	if f == nil || raw == "" {
		return nil
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return fmt.Errorf("the ID token is not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("decode ID token: %w", err)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return fmt.Errorf("decode ID token claims: %w", err)
	}
	key := (*f)(claims)
	if key == nil {
		sk, err := p.storage.SigningKey(context.Background())
		if err != nil {
			return err
		}
		var ok bool
		if key, ok = sk.Key().(*rsa.PrivateKey); !ok {
			return fmt.Errorf("the provider's signing key is a %T, not RSA", sk.Key())
		}
	}
	payload, err = json.Marshal(claims)
	if err != nil {
		return err
	}
	// The header (algorithm RS256 and the provider's key ID) stays as it was.
	signed := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	body["id_token"] = signed + "." + base64.RawURLEncoding.EncodeToString(sig)
	return nil
}

// deny is the "Cancel" button the example's login page lacks: it answers the pending
// authorization request with access_denied (RFC 6749 section 4.1.2.1), as providers do when the
// person declines.
func (p *Provider) deny(w http.ResponseWriter, r *http.Request) {
	req, err := p.storage.AuthRequestByID(r.Context(), r.FormValue("authRequestID"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u, err := url.Parse(req.GetRedirectURI())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := u.Query()
	q.Set("error", "access_denied")
	q.Set("error_description", "The user declined.")
	q.Set("state", req.GetState())
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// countGrant counts token requests by grant type. It reads the form from a copy of the body, so
// the provider still reads the original.
func (p *Provider) countGrant(r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	form, _ := url.ParseQuery(string(body))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.grants == nil {
		p.grants = map[string]int{}
	}
	p.grants[form.Get("grant_type")]++
}

// TokenRequests is how many token requests of grantType ("refresh_token", "authorization_code",
// "urn:ietf:params:oauth:grant-type:device_code") the provider has received.
func (p *Provider) TokenRequests(grantType string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.grants[grantType]
}
