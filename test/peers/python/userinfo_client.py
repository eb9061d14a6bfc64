"""userinfo_client: one GetUserInfo call with grpcio.

On success it prints the response in protobuf text format and exits 0; on a
gRPC error it prints "CODE_NAME: details" (e.g. "UNKNOWN: unknown user: name =
bar") and exits 1, so the tests can compare it with the other peers.
"""
import argparse
import sys

import grpc

import userinfo_pb2
import userinfo_pb2_grpc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--name", default="foo")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds")
    args = parser.parse_args()

    with grpc.insecure_channel(args.target) as channel:
        stub = userinfo_pb2_grpc.UserInfoStub(channel)
        try:
            response = stub.GetUserInfo(userinfo_pb2.UserRequest(name=args.name), timeout=args.timeout)
        except grpc.RpcError as error:
            print(f"{error.code().name}: {error.details()}", flush=True)
            sys.exit(1)
    print(response, end="", flush=True)


if __name__ == "__main__":
    main()
