package e2e

import (
	"io"
	"net"
	"sync"
	"testing"
)

// forwarder is a fixed loopback address in front of an Ollama that the test stops and starts.
// ollamatest picks a new port for every server, while the app keeps the address it was given; the
// forwarder keeps that address and, like Ollama itself, refuses connections while stopped. It
// copies bytes and nothing else, so the app talks to the real Ollama.
type forwarder struct {
	t    *testing.T
	Addr string

	mu     sync.Mutex
	ln     net.Listener
	target string
	conns  map[net.Conn]struct{}
}

func newForwarder(t *testing.T) *forwarder {
	f := &forwarder{t: t, Addr: freeAddr(t), conns: map[net.Conn]struct{}{}}
	t.Cleanup(f.stop)
	return f
}

func (f *forwarder) URL() string { return "http://" + f.Addr }

// start listens on Addr and forwards every connection to target (host:port).
func (f *forwarder) start(target string) {
	f.t.Helper()
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		f.t.Fatalf("forwarder: listen on %s again: %v", f.Addr, err)
	}
	f.mu.Lock()
	f.ln, f.target = ln, target
	f.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.pipe(c, target)
		}
	}()
}

func (f *forwarder) pipe(c net.Conn, target string) {
	up, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	f.mu.Lock()
	f.conns[c], f.conns[up] = struct{}{}, struct{}{}
	f.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	f.mu.Lock()
	delete(f.conns, c)
	delete(f.conns, up)
	f.mu.Unlock()
}

// stop closes the listener and every open connection: the address refuses connections.
func (f *forwarder) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln != nil {
		f.ln.Close()
		f.ln = nil
	}
	for c := range f.conns {
		c.Close()
	}
}
