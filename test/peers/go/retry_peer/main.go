// retry_peer: gRFC A6 retries across languages, with proto.UserInfo.
//
//	-mode client -target HOST:PORT -config JSON   a grpc-go client whose service
//	    config has a retryPolicy (grpc-go 1.33 needs GRPC_GO_RETRY=on, which the
//	    test sets) calls GetUserInfo{name:"foo"} once and prints the response's
//	    name or "CODE: message", exit 0 or 1.
//	-mode server -port 0 -fail N                  a grpc-go server that answers the
//	    first N attempts with UNAVAILABLE, then {id 1, name "foo"}; for every attempt
//	    it prints "attempt <n> previous=<grpc-previous-rpc-attempts or none>".
//
// Built by test/helpers/peers.ts buildGo (GOPATH mode, offline, Debian's grpc-go);
// the server prints "listening on HOST:PORT" once bound.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "wiregrpc.test/gen/proto"
)

type failingServer struct {
	mu       sync.Mutex
	attempts int
	fail     int
}

func (s *failingServer) GetUserInfo(ctx context.Context, req *pb.UserRequest) (*pb.UserResponse, error) {
	s.mu.Lock()
	n := s.attempts
	s.attempts++
	s.mu.Unlock()
	previous := "none"
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("grpc-previous-rpc-attempts"); len(v) > 0 {
			previous = v[0]
		}
	}
	fmt.Printf("attempt %d previous=%s\n", n, previous)
	os.Stdout.Sync()
	if n < s.fail {
		return nil, status.Errorf(codes.Unavailable, "failing attempt %d on purpose", n)
	}
	return &pb.UserResponse{Id: 1, Name: req.GetName()}, nil
}

func serve(port, fail int) {
	lis, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	pb.RegisterUserInfoServer(srv, &failingServer{fail: fail})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		srv.Stop()
	}()
	fmt.Printf("listening on %s\n", lis.Addr().String())
	os.Stdout.Sync()
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}

func call(target, config string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, target, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithDefaultServiceConfig(config))
	if err != nil {
		fmt.Printf("dial: %v\n", err)
		return 2
	}
	defer conn.Close()
	res, err := pb.NewUserInfoClient(conn).GetUserInfo(ctx, &pb.UserRequest{Name: "foo"})
	if err != nil {
		st := status.Convert(err)
		fmt.Printf("%s: %s\n", st.Code(), st.Message())
		return 1
	}
	fmt.Println(res.GetName())
	return 0
}

func main() {
	mode := flag.String("mode", "", "client or server")
	target := flag.String("target", "", "client: HOST:PORT")
	config := flag.String("config", "", "client: service config JSON")
	port := flag.Int("port", 0, "server: port (0 = any)")
	fail := flag.Int("fail", 2, "server: attempts to fail with UNAVAILABLE before answering")
	flag.Parse()
	switch *mode {
	case "server":
		serve(*port, *fail)
	case "client":
		os.Exit(call(*target, *config))
	default:
		log.Fatalf("-mode client or -mode server")
	}
}
