-- Argo CD health of a PersistentVolumeClaim, replacing the built-in check for every claim of the
-- cluster: Bound is Healthy, Lost is Degraded, Pending is Progressing (as built in), except for a
-- claim annotated glm-serving/pending-until-consumed: with a WaitForFirstConsumer storage class it
-- stays Pending until the Job of a later sync wave mounts it, so waiting for it would deadlock the
-- sync (argoproj/argo-cd#12840); such a claim is Healthy while Pending.
hs = {}
local phase = nil
if obj.status ~= nil then
  phase = obj.status.phase
end
if phase == "Bound" then
  hs.status = "Healthy"
  hs.message = "Bound"
  return hs
end
if phase == "Lost" then
  hs.status = "Degraded"
  hs.message = "The claim lost its volume"
  return hs
end
local a = obj.metadata.annotations
if a ~= nil and a["glm-serving/pending-until-consumed"] == "true" then
  hs.status = "Healthy"
  hs.message = "Pending until its first consumer mounts it"
  return hs
end
hs.status = "Progressing"
hs.message = "Pending"
return hs
