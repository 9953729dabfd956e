// lumber-server: a Lumberjack v2 server built on the real go-lumber server
// (github.com/elastic/go-lumber/server/v2). Used by logyard's conformance tests.
//
// Flags:
//   -addr host:port      listen address (default 127.0.0.1:0)
//   -cert/-key FILE      serve TLS with this certificate
//   -client-ca FILE      require client certificates signed by this CA
//   -keepalive D         interval of A(0) keep-alives while a batch waits (default 3s)
//   -ack-delay D         hold each batch this long before ACKing (default 0)
//   -max-window N        go-lumber MaxWindowSize (default 10000)
//
// Output (stdout, JSON lines):
//   {"listen":"127.0.0.1:PORT"}                 once, when ready
//   {"batch":K,"remote":"ip:port","events":[...]}  per batch, before its ACK
// Exits when stdin closes or on SIGTERM/SIGINT.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	server "github.com/elastic/go-lumber/server/v2"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, "lumber-server:", err)
	os.Exit(1)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	certFile := flag.String("cert", "", "server certificate")
	keyFile := flag.String("key", "", "server key")
	clientCA := flag.String("client-ca", "", "CA for client certificates (required when set)")
	keepalive := flag.Duration("keepalive", 3*time.Second, "keep-alive interval")
	ackDelay := flag.Duration("ack-delay", 0, "delay before ACK")
	maxWindow := flag.Uint("max-window", 10000, "max window size")
	flag.Parse()

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		die(err)
	}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			die(err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{pair}}
		if *clientCA != "" {
			pem, err := os.ReadFile(*clientCA)
			if err != nil {
				die(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			cfg.ClientCAs = pool
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
		l = tls.NewListener(l, cfg)
	}
	srv, err := server.NewWithListener(l,
		server.Keepalive(*keepalive),
		server.MaxWindowSize(uint32(*maxWindow)),
		server.JSONDecoder(func(b []byte, v interface{}) error {
			*(v.(*interface{})) = json.RawMessage(append([]byte(nil), b...))
			return nil
		}))
	if err != nil {
		die(err)
	}
	out := bufio.NewWriter(os.Stdout)
	hello, _ := json.Marshal(map[string]string{"listen": l.Addr().String()})
	out.Write(append(hello, '\n'))
	out.Flush()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop <- syscall.SIGTERM
	}()

	type line struct {
		Batch  int           `json:"batch"`
		Remote string        `json:"remote"`
		Events []interface{} `json:"events"`
	}
	k := 0
	for {
		select {
		case <-stop:
			out.Flush()
			srv.Close()
			return
		case b := <-srv.ReceiveChan():
			if b == nil {
				return
			}
			k++
			rec, _ := json.Marshal(line{Batch: k, Remote: b.RemoteAddr, Events: b.Events})
			out.Write(append(rec, '\n'))
			out.Flush()
			if *ackDelay > 0 {
				go func(b interface{ ACK() }) { time.Sleep(*ackDelay); b.ACK() }(b)
			} else {
				b.ACK()
			}
		}
	}
}
