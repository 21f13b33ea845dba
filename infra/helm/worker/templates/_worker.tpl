{{/* The worker's slug (release name): names of its component, secrets and OTEL service. */}}
{{- define "worker.component" -}}
{{- include "wc.fullname" . -}}
{{- end -}}

{{/* Autoscaling mode (keda | hpa | none). */}}
{{- define "worker.autoscalingMode" -}}
{{- $mode := .Values.autoscaling.mode -}}
{{- if not (has $mode (list "keda" "hpa" "none")) -}}
{{- fail (printf "autoscaling.mode must be keda, hpa or none, got %q" $mode) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}

{{- define "worker.workloadApiVersion" -}}
{{- if .Values.rollouts.enabled -}}argoproj.io/v1alpha1{{- else -}}apps/v1{{- end -}}
{{- end -}}
{{- define "worker.workloadKind" -}}
{{- if .Values.rollouts.enabled -}}Rollout{{- else -}}Deployment{{- end -}}
{{- end -}}

{{/* envFrom of every worker pod (the Deployment, the backlog Job, the migration hook). */}}
{{- define "worker.envFrom" -}}
{{- $fn := include "wc.fullname" . -}}
- configMapRef:
    name: {{ $fn }}-celery
- secretRef:
    name: {{ $fn }}-broker
- secretRef:
    name: {{ $fn }}-artifacts
- secretRef:
    name: {{ $fn }}-registry-token
{{- if .Values.credentials }}
- secretRef:
    name: {{ $fn }}-credentials
{{- end }}
{{- if .Values.database.enabled }}
- secretRef:
    name: {{ $fn }}-database
{{- end }}
{{- end -}}

{{/* Env every worker pod carries: the tag, the shared store/registry settings. */}}
{{- define "worker.env" -}}
- name: WORKER_TAG
  value: {{ required "worker.queue is required" .Values.worker.queue | quote }}
{{ include "wc.sharedEnv" . }}
{{- range $k, $v := .Values.worker.extraEnv }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}
