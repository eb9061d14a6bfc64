// details_server: proto.UserInfo served by grpc-go, failing with the rich error model.
//
// "foo" is a user; "bad" fails with INVALID_ARGUMENT "bad request: name = bad" and two
// details, packed by grpc-go's status.WithDetails (Debian's genproto errdetails):
//
//	BadRequest { field_violations: [{ field: "name", description: "must not be bad" }] }
//	RetryInfo  { retry_delay: 2.5s }
//
// and a trailer "x-backend: go" (so that a relaying server can be seen not to pass it on).
// Any other name is NOT_FOUND without details. Prints "listening on HOST:PORT" when bound.
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

	"github.com/golang/protobuf/ptypes/duration"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "wiregrpc.test/gen/proto"
)

type server struct{}

func (server) GetUserInfo(ctx context.Context, req *pb.UserRequest) (*pb.UserResponse, error) {
	switch req.GetName() {
	case "foo":
		return &pb.UserResponse{Id: 1, Name: "foo", Age: 12, Hobby: []string{"eating", "sleep"}}, nil
	case "bad":
		st, err := status.New(codes.InvalidArgument, "bad request: name = bad").WithDetails(
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "name", Description: "must not be bad"},
			}},
			&errdetails.RetryInfo{RetryDelay: &duration.Duration{Seconds: 2, Nanos: 500000000}},
		)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "WithDetails: %v", err)
		}
		grpc.SetTrailer(ctx, metadata.Pairs("x-backend", "go"))
		return nil, st.Err()
	default:
		return nil, status.Errorf(codes.NotFound, "unknown user: name = %s", req.GetName())
	}
}

func main() {
	port := flag.Int("port", 0, "port to bind (0 = let the OS choose)")
	flag.Parse()
	lis, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(*port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	pb.RegisterUserInfoServer(srv, server{})
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
