// details_client: one GetUserInfo call with grpc-go, printing the status and its details
// as grpc-go decodes them (status.FromError(err).Details(), Debian's genproto errdetails).
//
// Output, one line each, then exit 1 (exit 0 and "ok" if the call succeeds):
//
//	code: InvalidArgument
//	message: bad request: name = bad
//	detail: BadRequest name: must not be bad
//	detail: RetryInfo 2.5s
//	detail: error <what Details() said of a type it does not know>
//	trailer x-...: value            (custom trailers, sorted)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/golang/protobuf/ptypes"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "wiregrpc.test/gen/proto"
)

func main() {
	target := flag.String("target", "127.0.0.1:50051", "server address")
	name := flag.String("name", "bad", "user name to look up")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintf(os.Stderr, "dial %s: %v\n", *target, err)
		os.Exit(2)
	}
	defer conn.Close()

	var trailer metadata.MD
	_, err = pb.NewUserInfoClient(conn).GetUserInfo(ctx, &pb.UserRequest{Name: *name}, grpc.Trailer(&trailer))
	if err == nil {
		fmt.Println("ok")
		return
	}
	st, _ := status.FromError(err)
	fmt.Printf("code: %s\n", st.Code())
	fmt.Printf("message: %s\n", st.Message())
	for _, d := range st.Details() {
		switch v := d.(type) {
		case *errdetails.BadRequest:
			for _, f := range v.GetFieldViolations() {
				fmt.Printf("detail: BadRequest %s: %s\n", f.GetField(), f.GetDescription())
			}
		case *errdetails.RetryInfo:
			delay, err := ptypes.Duration(v.GetRetryDelay())
			if err != nil {
				fmt.Printf("detail: RetryInfo invalid: %v\n", err)
			} else {
				fmt.Printf("detail: RetryInfo %s\n", delay)
			}
		case error:
			fmt.Printf("detail: error %v\n", v)
		default:
			fmt.Printf("detail: %T\n", v)
		}
	}
	var keys []string
	for k := range trailer {
		if strings.HasPrefix(k, "x-") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("trailer %s: %s\n", k, strings.Join(trailer[k], ","))
	}
	os.Exit(1)
}
