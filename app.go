package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/api"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/notify"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/tray"
	"github.com/cloudtolocalllm/cloudtolocalllm/frontend"
)

//go:embed build/appicon.png
var appIcon []byte

// App is the Wails-bound facade. The page calls exactly one method, Call, which runs an operation
// from the same registry the web build uses; events reach the page as the Wails event "backend".
type App struct {
	core *core
	log  *slog.Logger
	host *tray.Host // nil without a session bus: then there is no tray

	mu       sync.Mutex
	ctx      context.Context // the Wails runtime context, set on startup
	tray     *tray.Tray
	stopTray func()
	visible  bool        // whether the window is on screen, as far as the app moved it
	quitting atomic.Bool // Quit was asked for: closing must not just hide the window
}

// Response is what Call resolves to: a result or an error, never a rejected promise, so the page
// gets the same structured error on the desktop as over HTTP.
type Response struct {
	Result any        `json:"result,omitempty"`
	Error  *api.Error `json:"error,omitempty"`
}

// Call runs the operation op with its JSON arguments.
func (a *App) Call(op string, args json.RawMessage) Response {
	a.mu.Lock()
	ctx := a.ctx
	a.mu.Unlock()
	// The window's calls may open its file dialogs (history export and import).
	res, err := a.core.ops.Call(api.WithFilePicker(ctx, dialogs{ctx: ctx}), api.Local, op, args)
	if err != nil {
		return Response{Error: err}
	}
	return Response{Result: res}
}

func (a *App) startup(ctx context.Context) {
	a.mu.Lock()
	a.ctx = ctx
	a.mu.Unlock()
	go a.forwardEvents(ctx)
	a.useSystemBrowser(ctx)
	go func() {
		sig, cancel := signalContext()
		defer cancel()
		<-sig.Done()
		if ctx.Err() == nil {
			a.log.Info("quitting on signal")
			a.quit()
		}
	}()
	a.startTray(ctx)
}

// startTray puts the app in the tray and starts desktop notifications. The window reaches the
// tray only here: the tray's menu calls the window functions below, and the status reaches the
// tray through the monitor.
func (a *App) startTray(ctx context.Context) {
	if a.host == nil {
		return
	}
	mon := a.core.monitor
	if goruntime.GOOS != "windows" && goruntime.GOOS != "darwin" { // notifications over D-Bus
		changes, _ := mon.Watch() // ends with the app
		n := notify.New(&notify.DBus{AppName: "CloudToLocalLLM", Icon: "cloudtolocalllm"},
			func() bool { return a.core.settings.Get().Notifications }, notify.DefaultGap, a.log)
		go n.Run(ctx, mon.Get(), changes)
	}
	openSettings := func() { a.showWindow(); runtime.EventsEmit(ctx, "navigate", "settings") }
	signIn, signOut := a.trayAuth(openSettings)
	t := tray.New(a.log, tray.Actions{
		ShowWindow:   a.showWindow,
		HideWindow:   a.hideWindow,
		OpenStatus:   func() { a.showWindow(); runtime.EventsEmit(ctx, "navigate", "status") },
		OpenSettings: openSettings,
		Reconnect:    mon.Poke,
		SignIn:       signIn,
		SignOut:      signOut,
		Quit:         a.quit,
	})
	changes, _ := mon.Watch()
	a.mu.Lock()
	a.tray, a.stopTray = t, t.Start(mon.Get(), a.visible)
	a.mu.Unlock()
	go t.Follow(ctx, changes)
	if !a.host.Present(ctx) {
		a.log.Warn("no tray host on this desktop (no org.kde.StatusNotifierWatcher): closing the window quits the app")
	}
}

// domReady makes sure a window that is to stay in the tray is hidden once the page is ready:
// Wails v2.9.2 on Linux maps a StartHidden window for a moment (it queues the hide, then shows
// all), and hiding again here does not depend on that order.
func (a *App) domReady(ctx context.Context) {
	a.mu.Lock()
	hidden := !a.visible
	a.mu.Unlock()
	if hidden {
		runtime.WindowHide(ctx)
	}
	a.log.Info("window ready", "hidden", hidden)
}

func (a *App) shutdown(context.Context) {
	a.mu.Lock()
	stop := a.stopTray
	a.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// beforeClose decides what closing the window does: with a tray to come back from it only hides
// the window; with none (plain GNOME) it quits, so the app never runs invisible.
func (a *App) beforeClose(ctx context.Context) (prevent bool) {
	if a.quitting.Load() || a.host == nil || !a.host.Present(ctx) {
		return false
	}
	a.hideWindow()
	return true
}

func (a *App) quit() {
	a.quitting.Store(true)
	a.mu.Lock()
	ctx := a.ctx
	a.mu.Unlock()
	runtime.Quit(ctx)
}

func (a *App) showWindow() { a.setWindow(true) }
func (a *App) hideWindow() { a.setWindow(false) }

func (a *App) setWindow(visible bool) {
	a.mu.Lock()
	ctx, t := a.ctx, a.tray
	a.visible = visible
	a.mu.Unlock()
	if visible {
		runtime.WindowShow(ctx)
		runtime.WindowUnminimise(ctx)
	} else {
		runtime.WindowHide(ctx)
	}
	if t != nil {
		t.SetWindowVisible(visible)
	}
}

// forwardEvents relays the bus to the page. If the page falls so far behind that the bus drops it,
// it is told to reload what it shows.
func (a *App) forwardEvents(ctx context.Context) {
	since := a.core.bus.Seq()
	for ctx.Err() == nil {
		sub, complete := a.core.bus.Subscribe(since, 4096)
		if !complete {
			runtime.EventsEmit(ctx, "backend", map[string]any{"seq": since, "name": "resync", "data": struct{}{}})
		}
		for ev := range sub.C {
			runtime.EventsEmit(ctx, "backend", ev)
			since = ev.Seq
		}
		sub.Close()
	}
}

func runDesktop(log *slog.Logger, startMinimized bool) error {
	assets, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return fmt.Errorf("load UI: %w", err)
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && goruntime.GOOS == "linux" {
		return fmt.Errorf("no display: start the app inside a desktop session, or use --serve 127.0.0.1:8089 and open it in a browser")
	}
	c, err := openCore(log)
	if err != nil {
		return err
	}
	defer c.close()
	hostCtx, stopHost := context.WithCancel(context.Background())
	defer stopHost()
	host, err := tray.WatchHost(hostCtx, log)
	if err != nil {
		log.Warn("no tray: closing the window quits the app", "error", err)
		host = nil
	}
	// Start in the tray only when there is a tray to come back from.
	hidden := host != nil && (startMinimized || c.settings.Get().StartMinimized) && host.Present(hostCtx)
	app := &App{core: c, log: log, ctx: context.Background(), host: host, visible: !hidden}
	return wails.Run(&options.App{
		Title:            "CloudToLocalLLM",
		Width:            1100,
		Height:           760,
		MinWidth:         420,
		MinHeight:        360,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 24, G: 24, B: 27, A: 255},
		StartHidden:      hidden,
		OnStartup:        app.startup,
		OnDomReady:       app.domReady,
		OnBeforeClose:    app.beforeClose,
		OnShutdown:       app.shutdown,
		Bind:             []any{app},
		Linux:            &linux.Options{ProgramName: "cloudtolocalllm", Icon: appIcon, WebviewGpuPolicy: gpuPolicy()},
	})
}

// gpuPolicy keeps WebKitGTK's GL compositing off unless asked for: a chat window gains nothing
// visible from it, and without a GPU it renders through software GL, which cost about 80 MB and
// a third of the time to first paint (docs/PERFORMANCE.md). CLOUDTOLOCALLLM_GPU=1 turns it on.
func gpuPolicy() linux.WebviewGpuPolicy {
	if os.Getenv("CLOUDTOLOCALLLM_GPU") == "1" {
		return linux.WebviewGpuPolicyOnDemand
	}
	return linux.WebviewGpuPolicyNever
}
