package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
)

// maxPictureBytes bounds a profile picture; providers serve avatars of a few kilobytes.
const maxPictureBytes = 512 << 10

// pictureCache keeps the last picture fetched, keyed by its URL.
type pictureCache struct {
	mu      sync.Mutex
	url     string
	dataURL string
}

// Picture returns the signed-in person's picture as a data: URL, fetched by the app rather than
// by the page: the web build's Content-Security-Policy allows no image from elsewhere, and the
// page then never contacts the provider's image host. It returns "" when there is no picture or it
// cannot be fetched (the UI shows initials instead).
func (s *Service) Picture(ctx context.Context) (string, error) {
	s.mu.Lock()
	var src string
	if s.sess != nil {
		src = s.sess.profile.Picture
	}
	s.mu.Unlock()
	if src == "" {
		return "", nil
	}
	s.pictures.mu.Lock()
	if s.pictures.url == src {
		defer s.pictures.mu.Unlock()
		return s.pictures.dataURL, nil
	}
	s.pictures.mu.Unlock()
	data, err := s.fetchPicture(ctx, src)
	if err != nil {
		s.log.Info("profile picture not shown", "error", err)
		return "", nil
	}
	s.pictures.mu.Lock()
	s.pictures.url, s.pictures.dataURL = src, data
	s.pictures.mu.Unlock()
	return data, nil
}

func (s *Service) fetchPicture(ctx context.Context, src string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return "", fmt.Errorf("fetch the profile picture: %w", err)
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch the profile picture: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch the profile picture: HTTP %s", resp.Status)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mt {
	case "image/png", "image/jpeg", "image/gif", "image/webp": // not SVG: it can carry script
	default:
		return "", fmt.Errorf("fetch the profile picture: %q is not a picture type shown", mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPictureBytes+1))
	if err != nil {
		return "", fmt.Errorf("fetch the profile picture: %w", err)
	}
	if len(body) > maxPictureBytes {
		return "", fmt.Errorf("fetch the profile picture: larger than %d bytes", maxPictureBytes)
	}
	return "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(body), nil
}
