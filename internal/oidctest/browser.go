package oidctest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
)

// Browser is a person at a web browser: an HTTP client that keeps cookies and follows redirects,
// across hosts, as a browser does.
type Browser struct {
	p *Provider
	c *http.Client

	mu       sync.Mutex
	callback *url.URL
}

// Page is what the browser ended up showing.
type Page struct {
	URL    string
	Status int
	Body   string
}

// NewBrowser returns a browser with no cookies.
func (p *Provider) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{p: p}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		if req.URL.Host != p.addr {
			b.mu.Lock()
			b.callback = req.URL
			b.mu.Unlock()
		}
		return nil
	}}
	return b
}

// Callback is the last URL outside the provider the browser was redirected to: the app's
// loopback redirect with its code and state.
func (b *Browser) Callback() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.callback
}

// Open shows rawURL.
func (b *Browser) Open(ctx context.Context, rawURL string) (Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Page{}, err
	}
	return b.do(req)
}

func (b *Browser) post(ctx context.Context, rawURL string, form url.Values) (Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *Browser) do(req *http.Request) (Page, error) {
	resp, err := b.c.Do(req)
	if err != nil {
		return Page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Page{}, err
	}
	return Page{URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}, nil
}

// loginPage follows authURL to the provider's login form and returns the authorization
// request's ID from its URL.
func (b *Browser) loginPage(ctx context.Context, authURL string) (string, error) {
	pg, err := b.Open(ctx, authURL)
	if err != nil {
		return "", fmt.Errorf("open the authorization URL: %w", err)
	}
	u, _ := url.Parse(pg.URL)
	id := u.Query().Get("authRequestID")
	if pg.Status != http.StatusOK || id == "" {
		return "", fmt.Errorf("expected the provider's login page, got %d at %s: %.300s", pg.Status, pg.URL, pg.Body)
	}
	return id, nil
}

// SignIn opens authURL, signs in as the test user and follows the redirects back to the app; it
// returns the page the app showed.
func (b *Browser) SignIn(ctx context.Context, authURL string) (Page, error) {
	return b.SignInAs(ctx, authURL, b.p.Username, Password)
}

// SignInAs is SignIn with other credentials.
func (b *Browser) SignInAs(ctx context.Context, authURL, username, password string) (Page, error) {
	id, err := b.loginPage(ctx, authURL)
	if err != nil {
		return Page{}, err
	}
	return b.post(ctx, b.p.Issuer+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
}

// Deny opens authURL and declines on the provider's page.
func (b *Browser) Deny(ctx context.Context, authURL string) (Page, error) {
	id, err := b.loginPage(ctx, authURL)
	if err != nil {
		return Page{}, err
	}
	return b.Open(ctx, b.p.Issuer+denyPath+"?authRequestID="+url.QueryEscape(id))
}

// ApproveDevice goes to verificationURI on "another device", enters userCode, signs in as the
// test user and allows the app.
func (b *Browser) ApproveDevice(ctx context.Context, verificationURI, userCode string) error {
	return b.answerDevice(ctx, verificationURI, userCode, "allowed")
}

// DenyDevice is ApproveDevice, declining.
func (b *Browser) DenyDevice(ctx context.Context, verificationURI, userCode string) error {
	return b.answerDevice(ctx, verificationURI, userCode, "denied")
}

func (b *Browser) answerDevice(ctx context.Context, verificationURI, userCode, action string) error {
	base := strings.TrimRight(verificationURI, "/")
	pg, err := b.post(ctx, base+"/login", url.Values{"user_code": {userCode}, "username": {b.p.Username}, "password": {Password}})
	if err != nil {
		return fmt.Errorf("sign in on the device page: %w", err)
	}
	if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "confirm") {
		return fmt.Errorf("expected the device confirmation page, got %d at %s: %.300s", pg.Status, pg.URL, pg.Body)
	}
	pg, err = b.post(ctx, base+"/confirm", url.Values{"action": {action}})
	if err != nil {
		return fmt.Errorf("confirm on the device page: %w", err)
	}
	if pg.Status != http.StatusOK {
		return fmt.Errorf("device confirmation answered %d: %.300s", pg.Status, pg.Body)
	}
	return nil
}
