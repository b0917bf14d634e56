// Package frontend holds the Svelte UI. Its build output is embedded so the Go binaries (the
// desktop app and the web server) can serve the same web build without files beside them.
package frontend

import "embed"

// Dist is the Vite build (frontend/dist). It lets the Go binaries serve the web build; before the
// first `npm run build` it holds only .gitkeep, so Go code still compiles.
//
//go:embed all:dist
var Dist embed.FS
