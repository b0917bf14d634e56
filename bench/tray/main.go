//go:build linux

// Command tray measures how fast a connection-state change reaches the system tray, and what the
// status monitor costs while nothing happens. It runs the real parts in one process: the status
// monitor against a real Ollama (internal/ollamatest), the real energye/systray tray, and a tray
// host (internal/traytest) that reads the item over the session bus as a desktop panel does.
//
//	dbus-run-session -- go run -tags sqlite_fts5 ./bench/tray [-n 200] [-idle 60s]
//
// Latency is from the change entering the monitor to the host holding the new tooltip and icon
// (it waits for the item's D-Bus signals, then reads both properties back).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/tray"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/traytest"
)

func main() {
	n := flag.Int("n", 200, "state changes to time")
	restarts := flag.Int("restarts", 5, "times to kill Ollama and time the monitor noticing (each relaunches Ollama)")
	idle := flag.Duration("idle", 60*time.Second, "how long to measure the idle CPU use")
	flag.Parse()
	if err := run(*n, *restarts, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "bench/tray:", err)
		os.Exit(1)
	}
}

func run(n, restarts int, idle time.Duration) error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return fmt.Errorf("no session bus: run it as `dbus-run-session -- go run -tags sqlite_fts5 ./bench/tray`")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	ol, err := ollamatest.Launch(ctx, ollamatest.Options{NoPreload: true})
	if err != nil {
		return err
	}
	defer func() { ol.Close() }()
	server, err := llm.NewOllama(ol.URL, nil)
	if err != nil {
		return err
	}
	host, err := traytest.NewHost()
	if err != nil {
		return err
	}
	defer host.Close()

	bus := events.NewBus(1024)
	mon := status.NewMonitor(server, server.BaseURL, bus, log, status.DefaultIntervals())
	go mon.Run(ctx)
	tr := tray.New(log, tray.Actions{})
	stop := tr.Start(mon.Get(), true)
	defer stop()
	changes, _ := mon.Watch()
	go tr.Follow(ctx, changes)

	it, err := host.WaitItem(ctx, os.Getpid())
	if err != nil {
		return err
	}
	sig, stopSig, err := it.Changes()
	if err != nil {
		return err
	}
	defer stopSig()
	if err := waitTooltip(ctx, it, sig, "ready", nil); err != nil {
		return fmt.Errorf("the tray never showed Ollama as ready: %w", err)
	}

	// 1. A state change set on the monitor (remote access lost and back: new icon badge,
	// tooltip and menu line) until the host holds the new tooltip and icon.
	states := []struct {
		relay status.Relay
		tip   string
	}{
		{status.Relay{State: status.RelayConnected, URL: "wss://relay.example"}, "Remote access: connected"},
		{status.Relay{State: status.RelayReconnecting, URL: "wss://relay.example"}, "Remote access: reconnecting"},
	}
	icons := map[int][]byte{}
	var lat []time.Duration
	for i := -2; i < n; i++ { // two warm-up rounds draw and cache both icons
		s := states[(i+2)%2]
		drain(sig)
		t0 := time.Now()
		mon.SetRelay(s.relay)
		if err := waitTooltip(ctx, it, sig, s.tip, icons[(i+2)%2]); err != nil {
			return err
		}
		d := time.Since(t0)
		if i < 0 {
			px, err := it.Icon(ctx)
			if err != nil || len(px) == 0 {
				return fmt.Errorf("read the icon: %v", err)
			}
			icons[(i+2)%2] = px[0].ARGB
			continue
		}
		lat = append(lat, d)
	}
	mon.SetRelay(status.Relay{})
	if err := waitTooltip(ctx, it, sig, "Remote access: off", nil); err != nil {
		return err
	}

	// 2. Ollama killed; the monitor is poked (as a failed request does) and checks at once.
	var down []time.Duration
	for i := 0; i < restarts; i++ {
		if err := ol.Kill(); err != nil {
			return err
		}
		drain(sig)
		t0 := time.Now()
		mon.Poke()
		if err := waitTooltip(ctx, it, sig, "not reachable", nil); err != nil {
			return err
		}
		down = append(down, time.Since(t0))
		if ol, err = ollamatest.Launch(ctx, ollamatest.Options{NoPreload: true}); err != nil {
			return err
		}
		if err := server.SetBaseURL(ol.URL); err != nil {
			return err
		}
		mon.Poke()
		if err := waitTooltip(ctx, it, sig, "ready", nil); err != nil {
			return err
		}
	}

	// 3. Idle: Ollama up, nothing happening; the monitor checks every 5 s.
	time.Sleep(2 * time.Second)
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(idle)
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)

	fmt.Printf("state change → tray host has the new tooltip and icon (monitor setter, n=%d)\n", len(lat))
	fmt.Printf("  p50 %s  p95 %s  p99 %s  max %s\n", pct(lat, 50), pct(lat, 95), pct(lat, 99), pct(lat, 100))
	fmt.Printf("Ollama killed → Poke → check fails → tray host has the new tooltip and icon (n=%d)\n", len(down))
	fmt.Printf("  p50 %s  max %s\n", pct(down, 50), pct(down, 100))
	fmt.Printf("idle, Ollama reachable, checked every %s: this process used %s of CPU in %s = %.3f%% of one core\n",
		status.DefaultIntervals().Up, cpu.Round(time.Microsecond), wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds())
	return nil
}

// waitTooltip waits for the item's signals until its tooltip holds want and, if icon is given,
// its icon is that one. The host reads both back, as a panel does when told of a change.
func waitTooltip(ctx context.Context, it *traytest.Item, sig <-chan struct{}, want string, icon []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		tip, _, err := it.ToolTip(ctx)
		if err != nil {
			return err
		}
		if strings.Contains(tip, want) {
			if icon == nil {
				return nil
			}
			px, err := it.Icon(ctx)
			if err != nil {
				return err
			}
			if len(px) > 0 && bytes.Equal(px[0].ARGB, icon) {
				return nil
			}
		}
		select {
		case <-sig:
		case <-ctx.Done():
			return fmt.Errorf("the tray never showed %q: last tooltip %q", want, tip)
		}
	}
}

func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))].Round(10 * time.Microsecond)
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
