{{/* Chart name, truncated to 63 chars. */}}
{{- define "workers-core.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name; kept <= 40 chars so "<fullname>-<worker slug>" stays a valid, short name. */}}
{{- define "workers-core.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "workers-core.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Common labels. */}}
{{- define "workers-core.labels" -}}
helm.sh/chart: {{ include "workers-core.chart" . }}
app.kubernetes.io/name: {{ include "workers-core.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: workers-core
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "ocr"). */}}
{{- define "workers-core.selectorLabels" -}}
app.kubernetes.io/name: {{ include "workers-core.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "workers-core.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "workers-core.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Worker values merged over workerDefaults: (dict "root" $ "w" $w). Returns YAML; use fromYaml. */}}
{{- define "workers-core.workerValues" -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.workerDefaults) (deepCopy .w) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Image reference of a component: (dict "root" $ "image" $w.image). Refuses latest/empty tags. */}}
{{- define "workers-core.image" -}}
{{- $img := .root.Values.image -}}
{{- $tag := default $img.tag .image.tag | toString -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail (printf "image %s: tag must be set and must not be \"latest\"" .image.name) -}}
{{- end -}}
{{- $digest := default $img.digest .image.digest -}}
{{- $repo := printf "%s-%s" $img.repositoryPrefix .image.name -}}
{{- if $digest -}}
{{- printf "%s:%s@%s" $repo $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Autoscaling mode of a worker (keda | hpa | none). */}}
{{- define "workers-core.autoscalingMode" -}}
{{- $mode := .root.Values.autoscaling.mode -}}
{{- if and .w.autoscaling .w.autoscaling.mode -}}{{- $mode = .w.autoscaling.mode -}}{{- end -}}
{{- if not (has $mode (list "keda" "hpa" "none")) -}}
{{- fail (printf "worker autoscaling.mode must be keda, hpa or none, got %q" $mode) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}

{{/* apiVersion/kind of the workload that runs a worker. */}}
{{- define "workers-core.workloadApiVersion" -}}
{{- if .Values.rollouts.enabled -}}argoproj.io/v1alpha1{{- else -}}apps/v1{{- end -}}
{{- end -}}
{{- define "workers-core.workloadKind" -}}
{{- if .Values.rollouts.enabled -}}Rollout{{- else -}}Deployment{{- end -}}
{{- end -}}
