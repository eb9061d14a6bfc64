"""Reference row for the server unary bench: proto.UserInfo served by Python grpcio.

Answers every request with the bench fixture (bench/lib/fixtures.ts): UserResponse{id: 42, name: <request name>,
age: 30, hobby: ["cycling", "chess"]}. The harness generates userinfo_pb2*.py into a temporary directory on
PYTHONPATH, starts this, and reads the line `READY {"port": N}`.
"""
import json
import signal
import sys
import threading
from concurrent import futures

import grpc

import userinfo_pb2
import userinfo_pb2_grpc


class UserInfo(userinfo_pb2_grpc.UserInfoServicer):
    def GetUserInfo(self, request, context):
        return userinfo_pb2.UserResponse(id=42, name=request.name, age=30, hobby=["cycling", "chess"])


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    userinfo_pb2_grpc.add_UserInfoServicer_to_server(UserInfo(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    if port == 0:
        sys.exit("could not bind 127.0.0.1:0")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("READY " + json.dumps({"port": port}), flush=True)
    stop.wait()
    server.stop(grace=0).wait()


if __name__ == "__main__":
    main()
