// userinfo_server: the seed service proto.UserInfo, served by grpc-go.
//
// The cross-language tests (test/helpers/peers.ts buildGo) generate Go code
// from proto/userinfo.proto with protoc-gen-go into a temporary GOPATH at
// wiregrpc.test/gen/proto (the proto package, as a path), build this against
// Debian's grpc-go, start it with -port 0 and read the "listening on
// HOST:PORT" line it prints once the socket is bound.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "wiregrpc.test/gen/proto"
)

type userInfoServer struct{}

// GetUserInfo knows one user; every other name is an UNKNOWN status whose
// message is the same text the Python and TypeScript servers send.
func (userInfoServer) GetUserInfo(ctx context.Context, req *pb.UserRequest) (*pb.UserResponse, error) {
	if req.GetName() != "foo" {
		return nil, status.Errorf(codes.Unknown, "unknown user: name = %s", req.GetName())
	}
	return &pb.UserResponse{Id: 1, Name: "foo", Age: 12, Hobby: []string{"eating", "sleep"}}, nil
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to bind")
	port := flag.Int("port", 0, "port to bind (0 = let the OS choose)")
	flag.Parse()

	lis, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	pb.RegisterUserInfoServer(srv, userInfoServer{})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		srv.GracefulStop()
	}()

	fmt.Printf("listening on %s\n", lis.Addr().String())
	os.Stdout.Sync()
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
