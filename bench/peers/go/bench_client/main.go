// bench_client: the grpc-go reference row of the client unary suite.
//
// Closed loop, as bench/lib/closed-loop.ts runs the Node clients: `-concurrency` goroutines on one ClientConn
// (one HTTP/2 connection) each call GetUserInfo{name:"foo"}, check the answer, and call again, for `-duration` ms
// after `-warmup` ms. Prints `RESULT {"calls":…,"qps":…,"p50Ms":…,"p99Ms":…,"errors":…}` like the Node peers.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"

	pb "wiregrpc.test/gen/proto"
)

type result struct {
	Calls      int     `json:"calls"`
	QPS        float64 `json:"qps"`
	P50Ms      float64 `json:"p50Ms"`
	P99Ms      float64 `json:"p99Ms"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"firstError,omitempty"`
}

func main() {
	target := flag.String("target", "", "host:port of the server")
	concurrency := flag.Int("concurrency", 1, "calls in flight")
	durationMs := flag.Int("duration", 5000, "measured time (ms)")
	warmupMs := flag.Int("warmup", 1000, "warm-up before measuring (ms)")
	flag.Parse()
	if *target == "" || *concurrency < 1 {
		fmt.Fprintln(os.Stderr, "usage: bench_client -target HOST:PORT [-concurrency N] [-duration MS] [-warmup MS]")
		os.Exit(2)
	}
	conn, err := grpc.Dial(*target, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		log.Fatalf("dial %s: %v", *target, err)
	}
	defer conn.Close()
	client := pb.NewUserInfoClient(conn)
	call := func() error {
		res, err := client.GetUserInfo(context.Background(), &pb.UserRequest{Name: "foo"})
		if err != nil {
			return err
		}
		if res.GetName() != "foo" {
			return fmt.Errorf("unexpected response %v", res)
		}
		return nil
	}
	if err := call(); err != nil {
		log.Fatalf("first call: %v", err)
	}

	start := time.Now()
	measureFrom := start.Add(time.Duration(*warmupMs) * time.Millisecond)
	end := measureFrom.Add(time.Duration(*durationMs) * time.Millisecond)
	var mu sync.Mutex
	var samples []time.Duration
	var errors int
	var firstError string
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				t0 := time.Now()
				err := call()
				t1 := time.Now()
				if err != nil {
					mu.Lock()
					errors++
					if firstError == "" {
						firstError = err.Error()
					}
					mu.Unlock()
				} else if !t0.Before(measureFrom) && t1.Before(end) {
					mine = append(mine, t1.Sub(t0))
				}
				if !t1.Before(end) {
					break
				}
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	// Nearest rank, as bench/lib/stats.ts percentile().
	pick := func(p float64) float64 {
		n := len(samples)
		if n == 0 {
			return 0
		}
		rank := int(math.Ceil(p*float64(n))) - 1
		if rank < 0 {
			rank = 0
		}
		if rank > n-1 {
			rank = n - 1
		}
		return float64(samples[rank]) / float64(time.Millisecond)
	}
	out, _ := json.Marshal(result{
		Calls:      len(samples),
		QPS:        float64(len(samples)) / (float64(*durationMs) / 1000),
		P50Ms:      pick(0.5),
		P99Ms:      pick(0.99),
		Errors:     errors,
		FirstError: firstError,
	})
	fmt.Printf("RESULT %s\n", out)
}
