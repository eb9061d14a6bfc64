// bench_server: the grpc-go reference row of the server suites (unary, streaming, memory).
//
// It serves what the Node bench servers serve: proto.UserInfo (every request answered with the bench fixture,
// bench/lib/fixtures.ts) and bench.Stream (bench/proto/bench.proto: Download sends `count` messages of `size`
// bytes, Upload counts what it got, PingPong echoes). The harness builds it offline in GOPATH mode
// (test/helpers/peers.ts buildGo) and reads the line `READY {"port": N}`.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"

	benchpb "wiregrpc.test/gen/bench"
	pb "wiregrpc.test/gen/proto"
)

type userInfoServer struct{}

func (userInfoServer) GetUserInfo(ctx context.Context, req *pb.UserRequest) (*pb.UserResponse, error) {
	return &pb.UserResponse{Id: 42, Name: req.GetName(), Age: 30, Hobby: []string{"cycling", "chess"}}, nil
}

type streamServer struct{}

// Download sends one Chunk of `size` bytes of 'a' `count` times, as every bench server does.
func (streamServer) Download(req *benchpb.DownloadRequest, stream benchpb.Stream_DownloadServer) error {
	chunk := &benchpb.Chunk{Data: bytes.Repeat([]byte{'a'}, int(req.GetSize()))}
	for i := uint32(0); i < req.GetCount(); i++ {
		if err := stream.Send(chunk); err != nil {
			return err
		}
	}
	return nil
}

func (streamServer) Upload(stream benchpb.Stream_UploadServer) error {
	var count, total uint32
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&benchpb.UploadSummary{Count: count, Bytes: total})
		}
		if err != nil {
			return err
		}
		count++
		total += uint32(len(c.GetData()))
	}
}

func (streamServer) PingPong(stream benchpb.Stream_PingPongServer) error {
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(c); err != nil {
			return err
		}
	}
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	pb.RegisterUserInfoServer(srv, userInfoServer{})
	benchpb.RegisterStreamServer(srv, streamServer{})
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
