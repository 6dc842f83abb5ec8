package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// serveServices is the services process: it listens on the simulated
// mongod and KVStore ports of the host's address (unless closed) and
// forwards the standby's connections to its primary's PostgreSQL from the
// host's own address. It reports "ready" on file descriptor 3 once
// listening and runs until SIGTERM.
func (h *host) serveServices() error {
	readyPipe := os.NewFile(3, "ready")
	listeners, err := h.listen()
	if err != nil {
		fmt.Fprintf(readyPipe, "error: %v\n", err)
		return err
	}
	for _, l := range listeners {
		defer l.Close()
	}
	fmt.Fprintln(readyPipe, "ready")
	readyPipe.Close()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	return nil
}

// listen opens every listener and starts serving it.
func (h *host) listen() ([]net.Listener, error) {
	var ls []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, l := range ls {
			l.Close()
		}
		return nil, err
	}
	if h.cfg.ListensForPeer(hostconf.MongoPort) {
		l, err := net.Listen("tcp", net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.MongoPort)))
		if err != nil {
			return fail(fmt.Errorf("mongod: %w", err))
		}
		ls = append(ls, l)
		go acceptAndClose(l)
	}
	if !h.cfg.PortClosed(hostconf.KVStorePort) {
		l, err := net.Listen("tcp", net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.KVStorePort)))
		if err != nil {
			return fail(fmt.Errorf("kvstore: %w", err))
		}
		ls = append(ls, l)
		srv := &http.Server{Handler: http.HandlerFunc(kvstore), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.UpstreamPort)))
	if err != nil {
		return fail(fmt.Errorf("upstream relay: %w", err))
	}
	ls = append(ls, l)
	go h.forwardUpstream(l)
	return ls, nil
}

// acceptAndClose stands in for mongod: it accepts connections and closes
// them.
func acceptAndClose(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// kvstore answers every request of the simulated KVStore.
func kvstore(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "kvstore ok")
}

// forwardUpstream relays each connection on l to the primary's PostgreSQL,
// dialling from the host's own address so that the primary sees the
// standby's address in pg_stat_replication.
func (h *host) forwardUpstream(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go h.relay(c)
	}
}

func (h *host) relay(c net.Conn) {
	defer c.Close()
	s, err := h.readState()
	if err != nil || s.Conf.Master == "" {
		return
	}
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(h.cfg.Address)}}
	up, err := d.Dial("tcp", net.JoinHostPort(s.Conf.Master, strconv.Itoa(hostconf.PGPort)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "upstream %s: %v\n", s.Conf.Master, err)
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	<-done
	<-done
}
