# Prints what the image is made of, so the build log records it.
# Managed run commands use Windows PowerShell 5.1: keep to what it understands.
$ErrorActionPreference = 'Stop'

Write-Output "computer: $env:COMPUTERNAME"
Write-Output "os: $([System.Environment]::OSVersion.VersionString)"
Write-Output "powershell: $($PSVersionTable.PSVersion)"
exit 0
