#!/usr/bin/python3
"""capacity-sketch: an agentd plugin in Python, run as a plugin process
(docs/plugins.md). agentd starts it from capacity-sketch.md's `command:`
with AGENTD_PLUGIN_ADDRESS (a unix: address to serve on) in its
environment; it serves the AgentPlugin gRPC service and grpc.health.v1
there with Debian's python3-grpcio.

The stubs for agentd/v1/*.proto are generated when it starts, into a
temporary folder, with protoc and grpc_python_plugin (Debian's
protobuf-compiler and protobuf-compiler-grpc; python3-grpc-tools bundles a
protoc too old for proto3 `optional`). AGENTD_PYTHON_STUBS names a folder
of ready stubs instead (the build's python/ folder)."""

import atexit
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent import futures

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.environ.get("AGENTD_PROTO_DIR", os.path.join(HERE, "..", "..", "..", "proto"))

# Capacity one instance is assumed to serve, and the share of it planned for.
PER_INSTANCE_RPS = 500
HEADROOM = 0.6


def load_stubs():
    """Imports agentd.v1's plugin_pb2 and plugin_pb2_grpc, generating them when needed."""
    stubs = os.environ.get("AGENTD_PYTHON_STUBS")
    if not stubs:
        stubs = tempfile.mkdtemp(prefix="capacity-sketch-stubs-")
        atexit.register(shutil.rmtree, stubs, True)
        protos = [os.path.join("agentd", "v1", name) for name in sorted(os.listdir(os.path.join(PROTO_DIR, "agentd", "v1")))]
        subprocess.run(["protoc", "--proto_path=" + PROTO_DIR, "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                        "--plugin=protoc-gen-grpc_python=" + shutil.which("grpc_python_plugin")] + protos,
                       check=True)
    sys.path.insert(0, stubs)
    from agentd.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
    return plugin_pb2, plugin_pb2_grpc


plugin_pb2, plugin_pb2_grpc = load_stubs()


def sketch(request):
    """The agent's answer: instance counts and error budget from the caller's figures."""
    answer = plugin_pb2.AgentResponse(agent=request.agent, summary="A first capacity sketch from the stated figures.")
    section = answer.sections.add(id="capacity_sketch", heading="Capacity Sketch")
    needs = request.requirements
    if needs.HasField("peak_rps"):
        instances = max(2, math.ceil(needs.peak_rps / (PER_INSTANCE_RPS * HEADROOM)))
        section.items.add(text="Plan %d instances for a peak of %g requests/s (at most %d%% of an assumed %d "
                               "requests/s each), never fewer than 2." % (instances, needs.peak_rps,
                                                                       HEADROOM * 100, PER_INSTANCE_RPS),
                          facts=["peak_rps"])
        answer.assumptions.add(text="One instance serves about %d requests/s; measure it." % PER_INSTANCE_RPS)
    else:
        answer.questions.add(text="What is the peak load in requests per second?")
    if needs.HasField("availability_slo"):
        minutes = (1 - needs.availability_slo / 100) * 30 * 24 * 60
        section.items.add(text="An availability SLO of %g%% leaves %.1f minutes of downtime a month."
                               % (needs.availability_slo, minutes), facts=["availability_slo"])
    else:
        answer.questions.add(text="What availability does the service promise (e.g. 99.9%)?")
    return answer


class CapacitySketch(plugin_pb2_grpc.AgentPluginServicer):
    def Describe(self, request, context):
        return plugin_pb2.DescribeResponse(
            name="capacity_sketch", version="1.0", sections=["capacity_sketch"],
            capabilities=plugin_pb2.PluginCapabilities(progress=True))

    def Handle(self, request, context):
        yield plugin_pb2.HandleEvent(progress="sizing ")
        if not context.is_active():  # the caller went away or the deadline passed
            return
        yield plugin_pb2.HandleEvent(response=sketch(request))


def serve_health(server):
    """grpc.health.v1.Health/Check, SERVING: HealthCheckResponse{status: 1} is the two bytes 08 01."""
    check = grpc.unary_unary_rpc_method_handler(lambda request, context: b"\x08\x01",
                                                request_deserializer=lambda b: b, response_serializer=lambda b: b)
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": check})])


def main():
    address = os.environ["AGENTD_PLUGIN_ADDRESS"]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    plugin_pb2_grpc.add_AgentPluginServicer_to_server(CapacitySketch(), server)
    serve_health(server)
    server.add_insecure_port(address)
    server.start()
    print("capacity-sketch serving for agent %s" % os.environ.get("AGENTD_PLUGIN_AGENT", "?"), file=sys.stderr,
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(1).wait()


if __name__ == "__main__":
    main()
