{{/* ServiceAccount of a release (serviceAccount.create). */}}
{{- define "wc.serviceAccount" -}}
{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "wc.serviceAccountName" . }}
  labels:
    {{- include "wc.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
{{- end }}
{{- end -}}

{{/*
One ExternalSecret whose target Secret's keys are env var names:
(dict "root" $ "name" "<secret name>" "data" {ENV: {key, property}} "annotations" {...} "creationPolicy" "Orphan").
creationPolicy defaults to Owner (the Secret goes with the ExternalSecret); hook ExternalSecrets, which Helm and
Argo CD delete and recreate on every upgrade, use Orphan so the Secret the running pods read never disappears.
*/}}
{{- define "wc.externalSecret" -}}
{{- $es := .root.Values.externalSecrets }}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ .name }}
  labels:
    {{- include "wc.labels" .root | nindent 4 }}
    app.kubernetes.io/component: secrets
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  refreshInterval: {{ $es.refreshInterval }}
  secretStoreRef:
    kind: {{ $es.storeRef.kind }}
    name: {{ $es.storeRef.name }}
  target:
    name: {{ .name }}
    creationPolicy: {{ default "Owner" .creationPolicy }}
    deletionPolicy: Retain
  data:
    {{- range $envName, $ref := .data }}
    - secretKey: {{ $envName }}
      remoteRef:
        key: {{ $ref.key }}
        property: {{ $ref.property }}
    {{- end }}
{{- end -}}

{{/* PodDisruptionBudget selecting one component: (dict "root" $ "component" "ocr"). */}}
{{- define "wc.pdb" -}}
{{- if .root.Values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "wc.fullname" .root }}
  labels:
    {{- include "wc.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  maxUnavailable: {{ .root.Values.podDisruptionBudget.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "wc.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
ServiceMonitor for the Service of this release: (dict "root" $ "scrape" "worker|registry" "port" "metrics"
"relabelings" [...]); "ports" (a list) instead of "port" scrapes several ports of the Service.
*/}}
{{- define "wc.serviceMonitor" -}}
{{- $sm := .root.Values.serviceMonitor }}
{{- if $sm.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "wc.fullname" .root }}
  labels:
    {{- include "wc.labels" .root | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  jobLabel: workers-core.io/job
  namespaceSelector:
    matchNames: [{{ .root.Release.Namespace | quote }}]
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .root.Release.Name }}
      workers-core.io/scrape: {{ .scrape }}
  endpoints:
    {{- $relabelings := .relabelings }}
    {{- range (.ports | default (list .port)) }}
    - port: {{ . }}
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
      {{- with $relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
NetworkPolicy of one component: (dict "root" $ "component" "ocr" "ingressPorts" [9800]). Ingress only on the
listed ports (probes, Prometheus, the registry's health checks); egress open (broker, Redis, PostgreSQL, S3, APIs).
*/}}
{{- define "wc.networkPolicy" -}}
{{- if .root.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "wc.fullname" .root }}
  labels:
    {{- include "wc.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  podSelector:
    matchLabels:
      {{- include "wc.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  {{- if .ingressPorts }}
  ingress:
    - from:
        - namespaceSelector: {}
      ports:
        {{- range .ingressPorts }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
  {{- else }}
  ingress: []
  {{- end }}
{{- end }}
{{- end -}}

{{/* Env of every pod that reads the shared settings: ARTIFACT_STORE + S3 endpoint/region, the registry URL. */}}
{{- define "wc.sharedEnv" -}}
{{- $a := .Values.artifacts -}}
- name: ARTIFACT_STORE
  value: {{ required "artifacts.store (s3://bucket/prefix) is required" $a.store | quote }}
{{- with $a.endpoint }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
- name: AWS_REGION
  value: {{ $a.region | quote }}
- name: REGISTRY_URL
  value: {{ required "registryUrl is required (the registry release's Service)" .Values.registryUrl | quote }}
{{- end -}}
