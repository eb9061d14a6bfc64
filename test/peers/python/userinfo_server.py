"""userinfo_server: the seed service proto.UserInfo, served by grpcio.

The cross-language tests generate userinfo_pb2.py / userinfo_pb2_grpc.py from
proto/userinfo.proto into a temporary directory, put it on PYTHONPATH, start
this with --port 0 and read the "listening on HOST:PORT" line it prints once
the socket is bound.
"""
import argparse
import signal
import sys
import threading
from concurrent import futures

import grpc

import userinfo_pb2
import userinfo_pb2_grpc


class UserInfo(userinfo_pb2_grpc.UserInfoServicer):
    def GetUserInfo(self, request, context):
        if request.name != "foo":
            # abort() sends exactly this code and message. Raising a plain
            # Exception would also give UNKNOWN, but grpcio prefixes the text
            # with "Exception calling application: ".
            context.abort(grpc.StatusCode.UNKNOWN, f"unknown user: name = {request.name}")
        return userinfo_pb2.UserResponse(id=1, name="foo", age=12, hobby=["eating", "sleep"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    args = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    userinfo_pb2_grpc.add_UserInfoServicer_to_server(UserInfo(), server)
    host = f"[{args.host}]" if ":" in args.host else args.host
    port = server.add_insecure_port(f"{host}:{args.port}")
    if port == 0:
        sys.exit(f"could not bind {host}:{args.port}")
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"listening on {host}:{port}", flush=True)
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
