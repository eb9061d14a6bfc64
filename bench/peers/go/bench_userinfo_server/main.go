// bench_userinfo_server: reference row for the server unary bench, proto.UserInfo served by grpc-go.
//
// Answers every request with the bench fixture (bench/lib/fixtures.ts). The harness builds it offline in GOPATH
// mode (test/helpers/peers.ts buildGo) and reads the line `READY {"port": N}`.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"

	pb "wiregrpc.test/gen/proto"
)

type userInfoServer struct{}

func (userInfoServer) GetUserInfo(ctx context.Context, req *pb.UserRequest) (*pb.UserResponse, error) {
	return &pb.UserResponse{Id: 42, Name: req.GetName(), Age: 30, Hobby: []string{"cycling", "chess"}}, nil
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	pb.RegisterUserInfoServer(srv, userInfoServer{})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		srv.Stop()
		os.Exit(0)
	}()
	fmt.Printf("READY {\"port\": %d}\n", lis.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
