package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxClockSkew is how far this computer's clock may be from the provider's. A fresh ID token was
// issued "now" by the provider's clock, so an issue time further away than this means one of the
// clocks is wrong, which would otherwise show up as puzzling "expired" or "not yet valid" errors.
const maxClockSkew = 5 * time.Minute

// idClaims are the ID token claims the app reads.
type idClaims struct {
	Subject           string   `json:"sub"`
	Name              string   `json:"name"`
	GivenName         string   `json:"given_name"`
	FamilyName        string   `json:"family_name"`
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	Picture           string   `json:"picture"`
	NotBefore         *float64 `json:"nbf"`
}

// verifyIDToken checks the ID token that came with tok: signature (the provider's keys),
// issuer, audience (this client), nonce when one was sent, the access token hash when present,
// and the times — with a clock far off reported as such. It returns the profile in it.
func (s *Service) verifyIDToken(ctx context.Context, prov *provider, tok *oauth2.Token, nonce string) (Profile, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Profile{}, rejected("the provider sent no ID token", errors.New("is the openid scope allowed for this client?"))
	}
	idt, err := prov.verifier.Verify(ctx, raw)
	if err != nil {
		return Profile{}, idTokenFailure(err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Profile{}, rejected("the ID token does not belong to this sign-in (its nonce differs)", nil)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Profile{}, rejected("the ID token does not match the access token (at_hash)", err)
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return Profile{}, rejected("the ID token's claims cannot be read", err)
	}
	if err := checkTimes(s.now(), idt.IssuedAt, idt.Expiry, c.NotBefore); err != nil {
		return Profile{}, err
	}
	if idt.Subject == "" {
		return Profile{}, rejected("the ID token names no subject", nil)
	}
	return c.profile(), nil
}

// checkTimes checks a freshly issued token's times against this computer's clock.
func checkTimes(now, iat, exp time.Time, nbf *float64) error {
	if iat.IsZero() || exp.IsZero() {
		return rejected("the ID token lacks its issue or expiry time", nil)
	}
	if skew := now.Sub(iat); skew > maxClockSkew || skew < -maxClockSkew {
		dir := "ahead of"
		if skew < 0 {
			dir = "behind"
		}
		return &Problem{Code: CodeClockSkew,
			Message: fmt.Sprintf("this computer's clock is about %s %s the sign-in provider's", roundSkew(skew), dir),
			Hint:    "Set the date and time automatically (turn on network time), then sign in again."}
	}
	if !exp.After(now) {
		return rejected(fmt.Sprintf("the ID token has already expired (at %s)", exp.UTC().Format(time.RFC3339)), nil)
	}
	if nbf != nil && time.Unix(int64(*nbf), 0).After(now.Add(maxClockSkew)) {
		return rejected("the ID token is not valid yet (nbf)", nil)
	}
	return nil
}

func roundSkew(d time.Duration) string {
	d = time.Duration(math.Abs(float64(d)))
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24+0.5))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()+0.5))
	default:
		return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
	}
}

func idTokenFailure(err error) *Problem {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "different provider"):
		return rejected("the ID token was issued by a different provider", err)
	case strings.Contains(msg, "expected audience"):
		return rejected("the ID token was issued to a different client", err)
	case strings.Contains(msg, "signature"), strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "unsupported signing"):
		return rejected("the ID token's signature is not the provider's", err)
	default:
		return rejected("the ID token is not valid", err)
	}
}

// profile picks the display fields, falling back to what a provider is likelier to send.
func (c idClaims) profile() Profile {
	name := c.Name
	if name == "" {
		name = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	if name == "" {
		name = c.PreferredUsername
	}
	return Profile{Subject: c.Subject, Name: name, Email: c.Email, Picture: safePicture(c.Picture)}
}

// safePicture keeps only web addresses: the UI puts the picture in an <img>.
func safePicture(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.String()
}

// completeProfile fills in what the ID token left out from the userinfo endpoint: providers may
// put only the subject in the ID token when they also issue an access token (OIDC Core 5.4).
func (s *Service) completeProfile(ctx context.Context, prov *provider, tok *oauth2.Token, p Profile) Profile {
	if (p.Name != "" && p.Email != "") || prov.oidc.UserInfoEndpoint() == "" {
		return p
	}
	ui, err := prov.oidc.UserInfo(s.httpCtx(ctx), oauth2.StaticTokenSource(tok))
	if err != nil {
		s.log.Warn("sign-in: userinfo unavailable; showing the ID token's profile only", "error", err)
		return p
	}
	var c idClaims
	if err := ui.Claims(&c); err != nil || c.Subject != p.Subject {
		// A userinfo answer about someone else must never be shown as this person.
		s.log.Warn("sign-in: userinfo ignored", "sameSubject", c.Subject == p.Subject, "error", err)
		return p
	}
	more := c.profile()
	if p.Name == "" {
		p.Name = more.Name
	}
	if p.Email == "" {
		p.Email = more.Email
	}
	if p.Picture == "" {
		p.Picture = more.Picture
	}
	return p
}
