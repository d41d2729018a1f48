# Stamps the image with a small build-info file under ProgramData (sysprep keeps it).
$ErrorActionPreference = 'Stop'

$dir = "$env:ProgramData\azure-image-build"
$null = New-Item -ItemType Directory -Force -Path $dir
$builtAt = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
Set-Content -Path "$dir\build-info.txt" -Value "built_at=$builtAt"
Write-Output "wrote $dir\build-info.txt:"
Get-Content -Path "$dir\build-info.txt"
exit 0
