args: explain examples/rollouts/purple.yaml --config-map examples/catalog/argo-rollouts-notification-configmap.yaml --secret examples/catalog/argo-rollouts-notification-secret.yaml
