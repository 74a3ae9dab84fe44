-- Argo CD health of a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1): Healthy once every group is
-- updated to the current template and ready (all its pods, leader and workers), so a sync wave
-- after it waits for the whole group. Status fields and condition types: kubernetes-sigs/lws
-- api/leaderworkerset/v1/leaderworkerset_types.go (replicas, updatedReplicas, readyReplicas,
-- observedGeneration; conditions Available, Progressing, UpdateInProgress).
hs = {}
local want = 1
if obj.spec ~= nil and obj.spec.replicas ~= nil then
  want = obj.spec.replicas
end
local st = obj.status
if st == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the LeaderWorkerSet controller"
  return hs
end
if st.observedGeneration == nil or (obj.metadata.generation ~= nil and st.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the current generation"
  return hs
end
if st.conditions ~= nil then
  for _, c in ipairs(st.conditions) do
    if c.type == "UpdateInProgress" and c.status == "True" then
      hs.status = "Progressing"
      hs.message = "Rolling update in progress"
      return hs
    end
  end
end
local ready = st.readyReplicas or 0
local updated = st.updatedReplicas or 0
if ready >= want and updated >= want then
  hs.status = "Healthy"
  hs.message = ready .. " of " .. want .. " groups ready"
  return hs
end
hs.status = "Progressing"
hs.message = ready .. " of " .. want .. " groups ready, " .. updated .. " updated"
return hs
