// A grpc-go client of grpc.health.v1.Health, using the stubs that ship with
// grpc-go (google.golang.org/grpc/health/grpc_health_v1), for the
// cross-language health tests.
//
//	health_client -target HOST:PORT -check NAME[,NAME...]   one line per name: "NAME: SERVING" or "NAME: NotFound: <message>"
//	health_client -target HOST:PORT -watch NAME -count N    one line per streamed status; after N: "cancelled"; if the
//	                                                         server ends the stream: "end: OK" or "end: <Code>: <message>"
//
// The name "" (the whole server) is written as '""'.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func unquote(name string) string {
	if name == `""` {
		return ""
	}
	return name
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "server address")
	check := flag.String("check", "", "comma-separated service names to Check")
	watch := flag.String("watch", "", "service name to Watch")
	count := flag.Int("count", 1, "Watch: cancel after this many messages")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(2)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	if *check != "" {
		for _, name := range strings.Split(*check, ",") {
			name = unquote(name)
			res, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: name})
			if err != nil {
				s := status.Convert(err)
				fmt.Printf("%s: %s: %s\n", name, s.Code(), s.Message())
				continue
			}
			fmt.Printf("%s: %s\n", name, res.Status)
		}
		return
	}

	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	stream, err := client.Watch(watchCtx, &healthpb.HealthCheckRequest{Service: unquote(*watch)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "watch:", err)
		os.Exit(2)
	}
	for seen := 0; ; {
		res, err := stream.Recv()
		if err == io.EOF {
			fmt.Println("end: OK")
			return
		}
		if err != nil {
			s := status.Convert(err)
			fmt.Printf("end: %s: %s\n", s.Code(), s.Message())
			return
		}
		fmt.Println(res.Status)
		if seen++; seen == *count {
			stop()
			fmt.Println("cancelled")
			return
		}
	}
}
