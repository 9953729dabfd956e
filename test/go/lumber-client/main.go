// lumber-client: ships events to a Lumberjack v2 server with the real
// go-lumber client (github.com/elastic/go-lumber/client/v2), the library
// Filebeat's Logstash output is built on. Used by logyard's conformance tests.
//
// Input: one JSON object per line on stdin; each line's bytes are sent
// unchanged as one J frame payload. Lines are grouped into windows of -batch.
//
// Flags:
//   -addr host:port      server address (required)
//   -batch N             events per window (default 2048)
//   -level N             zlib compression level, 0 = no C frame (default 3)
//   -timeout D           dial/write/ACK-read timeout (default 30s)
//   -tls                 use TLS; -ca FILE trusts that CA, -cert/-key present a
//                        client certificate, -insecure skips verification,
//                        -servername NAME overrides SNI/verification name
//
// Output (stdout, one JSON line at exit):
//   {"acked":N,"windows":W}                     exit 0
//   {"acked":N,"windows":W,"error":"..."}       exit 1
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"
)

type report struct {
	Acked   int    `json:"acked"`
	Windows int    `json:"windows"`
	Error   string `json:"error,omitempty"`
}

func main() {
	addr := flag.String("addr", "", "server host:port")
	batch := flag.Int("batch", 2048, "events per window")
	level := flag.Int("level", 3, "zlib level (0 = uncompressed)")
	timeout := flag.Duration("timeout", 30*time.Second, "network timeout")
	useTLS := flag.Bool("tls", false, "use TLS")
	caFile := flag.String("ca", "", "CA certificate file")
	certFile := flag.String("cert", "", "client certificate file")
	keyFile := flag.String("key", "", "client key file")
	insecure := flag.Bool("insecure", false, "skip certificate verification")
	serverName := flag.String("servername", "", "TLS server name")
	flag.Parse()

	rep := report{}
	fail := func(err error) {
		rep.Error = err.Error()
		out, _ := json.Marshal(rep)
		fmt.Println(string(out))
		os.Exit(1)
	}
	if *addr == "" {
		fail(fmt.Errorf("-addr is required"))
	}

	var events []interface{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		events = append(events, json.RawMessage(append([]byte(nil), line...)))
	}
	if err := sc.Err(); err != nil {
		fail(err)
	}

	dial := func(network, address string) (net.Conn, error) {
		return net.DialTimeout(network, address, *timeout)
	}
	if *useTLS {
		cfg := &tls.Config{InsecureSkipVerify: *insecure, ServerName: *serverName}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				fail(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				fail(fmt.Errorf("no certificate in %s", *caFile))
			}
			cfg.RootCAs = pool
		}
		if *certFile != "" {
			pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
			if err != nil {
				fail(err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		dial = func(network, address string) (net.Conn, error) {
			d := &net.Dialer{Timeout: *timeout}
			return tls.DialWithDialer(d, network, address, cfg)
		}
	}

	// Payloads are already JSON: pass the bytes through untouched.
	raw := lumber.JSONEncoder(func(v interface{}) ([]byte, error) { return v.(json.RawMessage), nil })
	client, err := lumber.SyncDialWith(dial, *addr, lumber.Timeout(*timeout), lumber.CompressionLevel(*level), raw)
	if err != nil {
		fail(err)
	}
	defer client.Close()

	for start := 0; start < len(events); start += *batch {
		end := start + *batch
		if end > len(events) {
			end = len(events)
		}
		n, err := client.Send(events[start:end])
		rep.Acked += n
		if err != nil {
			fail(err)
		}
		rep.Windows++
	}
	out, _ := json.Marshal(rep)
	fmt.Println(string(out))
}
