// userinfo_client: one GetUserInfo call with grpc-go.
//
// On success it prints the response in protobuf text format and exits 0; on
// a gRPC error it prints "CODE_NAME: message" (CODE_NAME as in the gRPC spec,
// e.g. UNKNOWN) and exits 1, so the tests can compare it with other peers.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang/protobuf/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "wiregrpc.test/gen/proto"
)

// specName turns grpc-go's CamelCase code names (Unknown, DeadlineExceeded)
// into the spec's UPPER_SNAKE names (UNKNOWN, DEADLINE_EXCEEDED).
func specName(c codes.Code) string {
	if c == codes.OK {
		return "OK"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "server address")
	name := flag.String("name", "foo", "user name to look up")
	timeout := flag.Duration("timeout", 10*time.Second, "deadline for the call")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintf(os.Stderr, "dial %s: %v\n", *target, err)
		os.Exit(2)
	}
	defer conn.Close()

	res, err := pb.NewUserInfoClient(conn).GetUserInfo(ctx, &pb.UserRequest{Name: *name})
	if err != nil {
		st := status.Convert(err)
		fmt.Printf("%s: %s\n", specName(st.Code()), st.Message())
		os.Exit(1)
	}
	fmt.Println(proto.MarshalTextString(res))
}
