package oidctest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// client is the example's native (public, PKCE) client, extended with the device grant and the
// ID token settings a test may change.
type client struct {
	*storage.Client
	p *Provider
}

func (c client) GrantTypes() []oidc.GrantType {
	return append(slices.Clone(c.Client.GrantTypes()), oidc.GrantTypeDeviceCode)
}

// IDTokenUserinfoClaimsAssertion puts name, email and picture into the ID token itself, as most
// hosted providers do; when off, the app must fetch them from the userinfo endpoint.
func (c client) IDTokenUserinfoClaimsAssertion() bool { return c.p.ProfileInIDToken.Load() }

func (c client) IDTokenLifetime() time.Duration {
	if d := time.Duration(c.p.idTokenLifetime.Load()); d != 0 {
		return d
	}
	return c.Client.IDTokenLifetime()
}

// store wraps the example storage: it hands out the extended client, completes device sign-ins
// with the user's ID (the example stores the username, which later fails with "user not found"),
// and adds a picture to the profile claims.
type store struct {
	*storage.Storage
	users storage.UserStore
	p     *Provider
}

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if sc, ok := c.(*storage.Client); ok && id == s.p.ClientID {
		return client{Client: sc, p: s.p}, nil
	}
	return c, nil
}

func (s *store) CompleteDeviceAuthorization(ctx context.Context, userCode, username string) error {
	u := s.users.GetUserByUsername(username)
	if u == nil {
		return fmt.Errorf("no user %q", username)
	}
	return s.Storage.CompleteDeviceAuthorization(ctx, userCode, u.ID)
}

func (s *store) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	s.addPicture(ui, scopes)
	return nil
}

func (s *store) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	if ui.Name != "" { // the profile scope was granted
		s.addPicture(ui, []string{oidc.ScopeProfile})
	}
	return nil
}

func (s *store) addPicture(ui *oidc.UserInfo, scopes []string) {
	if slices.Contains(scopes, oidc.ScopeProfile) && ui.Subject != "" {
		ui.Picture = s.p.Issuer + "/pictures/" + ui.Subject + ".png"
	}
}
