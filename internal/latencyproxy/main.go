// Command latencyproxy forwards TCP connections on loopback with every
// chunk of data held back for a fixed time in each direction, so that a
// benchmark sees the round trips of a distant network: the latency-bound
// case of .ci/bench, where the kernel offers no tc netem.
//
//	latencyproxy -delay 20ms -from 2223 -to 2222 < addresses
//
// For each address read (one a line) it listens on address:from and
// forwards to address:to. It runs until killed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	delay := flag.Duration("delay", 20*time.Millisecond, "how long each chunk is held back, in each direction")
	from := flag.Int("from", 0, "the port to listen on, at each address")
	to := flag.Int("to", 0, "the port to forward to, at each address")
	flag.Parse()
	if *from == 0 || *to == 0 {
		log.Fatal("latencyproxy: -from and -to are required")
	}
	lines := bufio.NewScanner(os.Stdin)
	n := 0
	for lines.Scan() {
		addr := lines.Text()
		l, err := net.Listen("tcp", net.JoinHostPort(addr, fmt.Sprint(*from)))
		if err != nil {
			log.Fatal(err)
		}
		go serve(l, net.JoinHostPort(addr, fmt.Sprint(*to)), *delay)
		n++
	}
	fmt.Printf("latencyproxy: %d addresses, :%d to :%d, %v each way\n", n, *from, *to, *delay)
	os.Stdout.Close()
	select {}
}

// serve forwards the connections l accepts to target.
func serve(l net.Listener, target string, delay time.Duration) {
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			t, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				return
			}
			go pipe(t, c, delay)
			pipe(c, t, delay)
		}()
	}
}

// chunk is data read at a time.
type chunk struct {
	data []byte
	due  time.Time
}

// pipe copies from src to dst, each chunk delay after it was read, in
// order, and closes dst's writing side when src ends.
func pipe(dst, src net.Conn, delay time.Duration) {
	queue := make(chan chunk, 1024)
	go func() {
		defer close(queue)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				queue <- chunk{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range queue {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	for range queue {
	}
	_ = dst.(*net.TCPConn).CloseWrite()
}
