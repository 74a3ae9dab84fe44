set -eu
if [ -z "${SOCKET_IFNAME:-}" ]; then
  SOCKET_IFNAME=$(python3 -c '
import fcntl, os, socket, struct, sys
ip = os.environ["POD_IP"]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _, name in socket.if_nameindex():
    try:
        addr = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))[20:24]
    except OSError:
        continue
    if socket.inet_ntoa(addr) == ip:
        print(name)
        sys.exit(0)
sys.exit(1)
') || { echo "glm-serving: no network interface holds the pod IP $POD_IP; set pod.socketInterface" >&2; exit 1; }
fi
for var in $SOCKET_IFNAME_VARS; do export "$var=$SOCKET_IFNAME"; done
index="${LWS_WORKER_INDEX:-0}"
if [ "$index" = 0 ]; then
  echo "glm-serving: leader at $POD_IP, sockets on $SOCKET_IFNAME"
  if [ "${GROUP_LAUNCH:-vllm}" = sglang ]; then
    exec "$@" --node-rank 0 --dist-init-addr "$POD_IP:$DIST_INIT_PORT"
  fi
  exec "$@" --data-parallel-address "$POD_IP"
fi
if [ -z "${LWS_LEADER_ADDRESS:-}" ]; then
  echo "glm-serving: LWS_LEADER_ADDRESS is empty: a worker must run in a LeaderWorkerSet" >&2
  exit 1
fi
deadline=$(( $(date +%s) + LEADER_WAIT_SECONDS ))
until leader_ip=$(python3 -c 'import os, socket; print(socket.gethostbyname(os.environ["LWS_LEADER_ADDRESS"]))' 2>/dev/null); do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "glm-serving: the leader address $LWS_LEADER_ADDRESS did not resolve within $LEADER_WAIT_SECONDS s" >&2
    exit 1
  fi
  echo "glm-serving: waiting for the leader address $LWS_LEADER_ADDRESS to resolve"
  sleep 5
done
if [ "${GROUP_LAUNCH:-vllm}" = sglang ]; then
  echo "glm-serving: worker $index, leader $LWS_LEADER_ADDRESS at $leader_ip, node rank $index, sockets on $SOCKET_IFNAME"
  exec "$@" --node-rank "$index" --dist-init-addr "$leader_ip:$DIST_INIT_PORT"
fi
i=0
start_rank=
for rank in $START_RANKS; do
  if [ "$i" = "$index" ]; then start_rank=$rank; fi
  i=$((i + 1))
done
if [ -z "$start_rank" ]; then
  echo "glm-serving: worker index $index is outside the group's $i nodes (start ranks: $START_RANKS)" >&2
  exit 1
fi
echo "glm-serving: worker $index, leader $LWS_LEADER_ADDRESS at $leader_ip, data-parallel start rank $start_rank, sockets on $SOCKET_IFNAME"
exec "$@" --headless --data-parallel-start-rank "$start_rank" --data-parallel-address "$leader_ip"
